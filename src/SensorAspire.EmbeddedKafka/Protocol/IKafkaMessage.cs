namespace SensorAspire.EmbeddedKafka.Protocol;

/// <summary>A generated protocol message: it reads and writes itself for one version.</summary>
public interface IKafkaMessage
{
    void Read(KafkaReader reader, short version);

    void Write(KafkaWriter writer, short version);
}
