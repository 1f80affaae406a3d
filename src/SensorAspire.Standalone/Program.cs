Console.WriteLine("SensorAspire standalone: not implemented yet");
