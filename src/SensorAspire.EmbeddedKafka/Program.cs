Console.WriteLine("embedded kafka: not implemented yet");
