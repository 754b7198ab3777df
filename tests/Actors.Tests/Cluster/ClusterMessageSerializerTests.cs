using System.Collections.Immutable;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Configuration;
using SmtpCollector.Actors.Cluster;
using SmtpCollector.Protocol.Payload;
using SmtpCollector.Protocol.Summary;
using Xunit;

namespace SmtpCollector.Actors.Tests.Cluster;

/// <summary>Every message that crosses nodes, through the serializer hocon/cluster.hocon binds it to, and back.</summary>
public sealed class ClusterMessageSerializerTests() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString(
    File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.hocon"))))
{
    public static TheoryData<string> Kinds => ["announced", "open-link", "remote-store", "remote-store-summary", "remote-store-empty", "stored", "not-stored"];

    private IClusterMessage Sample(string kind)
    {
        var (a, b) = (CreateTestProbe().Ref, CreateTestProbe().Ref);
        var body = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        return kind switch
        {
            "announced" => new PublisherAnnounced(a, true),
            "open-link" => new OpenLink(a, b),
            "remote-store" => new RemoteStore(42, body, Convert.ToHexStringLower(SHA256.HashData(body)), "s@example.net", ["a@trap.example", "b@trap.example"],
                ImmutableDictionary<string, string>.Empty.Add("ADDR", "192.0.2.1").Add("HELO", "spam.example"), "mx.example", "127.0.0.1:4711",
                new DateTimeOffset(2026, 12, 5, 17, 0, 0, TimeSpan.Zero), TimeSpan.FromSeconds(59.5)),
            "remote-store-summary" => new RemoteStore(43, body, Convert.ToHexStringLower(SHA256.HashData(body)), "", ["a@trap.example"],
                ImmutableDictionary<string, string>.Empty, null, "127.0.0.1:4711", DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(1))
            {
                Summary = new MessageSummary("Rechnung für Sie", "\"Billing\" <a@spam.example>", null, new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.FromHours(-5.5)),
                    "<1@spam.example>", [new AttachmentSummary("invoice.zip", "application/zip", 40_123, "ab12"), new AttachmentSummary(null, "text/plain", 0, "e3b0")],
                    Limit: "max_parts"),
            },
            "remote-store-empty" => new RemoteStore(0, ReadOnlyMemory<byte>.Empty, "e3b0", "", [], ImmutableDictionary<string, string>.Empty, null, "", DateTimeOffset.UnixEpoch, TimeSpan.Zero),
            "stored" => new RemoteMessageStored(long.MaxValue),
            "not-stored" => new RemoteMessageNotStored(7, NotStoredReason.TooLarge, "payload over max_payload_bytes"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_cluster_message_round_trips_through_its_bound_serializer(string kind)
    {
        var message = Sample(kind);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ClusterMessageSerializer>(serializer);

        var bytes = serializer.ToBinary(message);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));

        if (message is RemoteStore store)
        {
            var copy = Assert.IsType<RemoteStore>(back);
            Assert.Equal(store.Body.ToArray(), copy.Body.ToArray());
            Assert.Equal(store.Recipients, copy.Recipients);
            Assert.Equal(store.Xforward.OrderBy(p => p.Key), copy.Xforward.OrderBy(p => p.Key));
            Assert.Equal(store.Summary?.Attachments, copy.Summary?.Attachments);
            Assert.Equal(store.Summary, copy.Summary is null ? null : copy.Summary with { Attachments = store.Summary!.Attachments });
            Assert.Equal(store with { Body = copy.Body, Recipients = copy.Recipients, Xforward = copy.Xforward, Summary = copy.Summary }, copy);
            // The bytes go raw: the record around them is small; and on arrival they are not copied again.
            Assert.InRange(bytes.Length - store.Body.Length, 1, 512);
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(copy.Body, out var slice) && slice.Array == bytes, "the body was copied");
        }
        else
            Assert.Equal(message, back);
    }

    [Fact]
    public void A_truncated_or_overlong_message_is_a_serialization_error_not_a_wrong_message()
    {
        var message = Sample("remote-store");
        var serializer = new ClusterMessageSerializer((ExtendedActorSystem)Sys);
        var bytes = serializer.ToBinary(message);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(bytes[..^1], serializer.Manifest(message)));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([.. bytes, 0], serializer.Manifest(message)));
    }
}
