using System.Collections.Immutable;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Cluster;

/// <summary>
/// The wire form of <see cref="IClusterMessage"/>: a one-letter manifest and a little binary record (strings as UTF-8 with
/// a length prefix, actor refs as their serialized paths), with a message's bytes written raw, as they are. Not the
/// default JSON serializer: it would turn a 2 MB message into a base64 string inside a JSON document.
/// </summary>
public sealed class ClusterMessageSerializer : SerializerWithStringManifest
{
    /// <summary>Akka reserves 0-100; bound with this number in hocon/cluster.hocon.</summary>
    public const int Id = 7181;

    private const string AnnouncedManifest = "A";
    private const string OpenLinkManifest = "L";
    private const string RemoteStoreManifest = "M";
    private const string StoredManifest = "S";
    private const string NotStoredManifest = "N";

    public ClusterMessageSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        PublisherAnnounced => AnnouncedManifest,
        OpenLink => OpenLinkManifest,
        RemoteStore => RemoteStoreManifest,
        RemoteMessageStored => StoredManifest,
        RemoteMessageNotStored => NotStoredManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a cluster message", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        if (obj is RemoteStore message)
        {
            // The body is copied once, into the array that goes out (through a MemoryStream and its ToArray, twice); every
            // byte of that array is written here, so it is not zeroed first (at 100 KB the zeroing showed in a profile).
            var envelope = Encode(writer => WriteEnvelope(writer, message));
            var bytes = GC.AllocateUninitializedArray<byte>(envelope.Length + message.Body.Length);
            envelope.CopyTo(bytes, 0);
            message.Body.Span.CopyTo(bytes.AsSpan(envelope.Length));
            return bytes;
        }
        return Encode(writer => Write(writer, obj));
    }

    private static byte[] Encode(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream(256);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            write(writer);
        return stream.ToArray();
    }

    private static void Write(BinaryWriter writer, object obj)
    {
        switch (obj)
        {
            case PublisherAnnounced announced:
                WriteRef(writer, announced.Endpoint);
                writer.Write(announced.Connected);
                break;
            case OpenLink open:
                WriteRef(writer, open.ProducerController);
                WriteRef(writer, open.Link);
                break;
            case RemoteMessageStored stored:
                writer.Write(stored.Id);
                break;
            case RemoteMessageNotStored refused:
                writer.Write(refused.Id);
                writer.Write((int)refused.Reason);
                writer.Write(refused.Detail);
                break;
            default:
                throw new ArgumentException($"{obj.GetType()} is not a cluster message", nameof(obj));
        }
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        try
        {
            return manifest switch
            {
                AnnouncedManifest => new PublisherAnnounced(ReadRef(reader), reader.ReadBoolean()),
                OpenLinkManifest => new OpenLink(ReadRef(reader), ReadRef(reader)),
                RemoteStoreManifest => ReadRemoteStore(reader, bytes),
                StoredManifest => new RemoteMessageStored(reader.ReadInt64()),
                NotStoredManifest => new RemoteMessageNotStored(reader.ReadInt64(), ReadReason(reader), reader.ReadString()),
                _ => throw new SerializationException($"unknown cluster message manifest '{manifest}'"),
            };
        }
        catch (EndOfStreamException ex)
        {
            throw new SerializationException($"truncated cluster message '{manifest}' ({bytes.Length} bytes)", ex);
        }
    }

    /// <summary>Everything but the body's bytes, which follow it raw (their length is its last field).</summary>
    private static void WriteEnvelope(BinaryWriter writer, RemoteStore message)
    {
        writer.Write(message.Id);
        writer.Write(message.Sha256);
        writer.Write(message.Sender);
        writer.Write(message.Recipients.Count);
        foreach (var recipient in message.Recipients)
            writer.Write(recipient);
        writer.Write(message.Xforward.Count);
        foreach (var (name, value) in message.Xforward)
        {
            writer.Write(name);
            writer.Write(value);
        }
        SummaryWire.WriteText(writer, message.LhloName);
        writer.Write(message.Peer);
        writer.Write(message.ReceivedAt.UtcTicks);
        writer.Write(message.TimeLeft.Ticks);
        SummaryWire.Write(writer, message.Summary);
        // Last, and raw: the bytes the hash is over.
        writer.Write(message.Body.Length);
    }

    private static RemoteStore ReadRemoteStore(BinaryReader reader, byte[] bytes)
    {
        var id = reader.ReadInt64();
        var sha256 = reader.ReadString();
        var sender = reader.ReadString();
        var recipients = new string[reader.ReadInt32()];
        for (var i = 0; i < recipients.Length; i++)
            recipients[i] = reader.ReadString();
        var count = reader.ReadInt32();
        var xforward = ImmutableDictionary.CreateBuilder<string, string>();
        for (var i = 0; i < count; i++)
            xforward[reader.ReadString()] = reader.ReadString();
        var lhlo = SummaryWire.ReadText(reader);
        var peer = reader.ReadString();
        var receivedAt = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
        var timeLeft = TimeSpan.FromTicks(reader.ReadInt64());
        var summary = SummaryWire.Read(reader);
        var length = reader.ReadInt32();
        // The rest of the array is the body: sliced, not copied. The array is this message's alone: remoting and
        // Akka.Delivery's chunk assembly hand every deserialization an array of its own.
        var at = (int)reader.BaseStream.Position;
        if (length < 0 || length != reader.BaseStream.Length - at)
            throw new EndOfStreamException();
        var body = bytes.AsMemory(at, length);
        return new RemoteStore(id, body, sha256, sender, recipients, xforward.ToImmutable(), lhlo, peer, receivedAt, timeLeft) { Summary = summary };
    }

    private static NotStoredReason ReadReason(BinaryReader reader) =>
        reader.ReadInt32() is var value && Enum.IsDefined((NotStoredReason)value)
            ? (NotStoredReason)value
            : throw new SerializationException($"unknown reason {value}");

    private static void WriteRef(BinaryWriter writer, IActorRef actor) => writer.Write(Serialization.SerializedActorPath(actor));

    private IActorRef ReadRef(BinaryReader reader) => system.Provider.ResolveActorRef(reader.ReadString());
}
