using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.Serialization;
using Xunit.Abstractions;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Messages.Serialization;

namespace ReMiT.Cluster.Tests.Messages.Serialization;

/// <summary>
/// Throws random and mutated payloads at <see cref="RemitSerializer.FromBinary"/>: the only failure it
/// may show is <see cref="SerializationException"/> (Akka.Remote then logs and drops), never another
/// exception, a hang or a huge allocation.
/// </summary>
public sealed class RemitSerializerFuzzTests(LocalSystemFixture fixture, ITestOutputHelper output) : IClassFixture<LocalSystemFixture>
{
    private const int Cases = 20_000;

    // Headers that declare far more than follows: array32, array16, map32, str32, bin32, ext32 (LZ4 codes 98/99), fixext.
    private static readonly byte[][] Interesting =
    [
        [0xdd, 0x7f, 0xff, 0xff, 0xff], [0xdd, 0xff, 0xff, 0xff, 0xff], [0xdc, 0xff, 0xff], [0xdf, 0x7f, 0xff, 0xff, 0xff],
        [0xdb, 0x7f, 0xff, 0xff, 0xff], [0xc6, 0x7f, 0xff, 0xff, 0xff], [0xc9, 0x7f, 0xff, 0xff, 0xff, 0x62], [0xc9, 0x00, 0x00, 0x00, 0x05, 0x63],
        [0xd6, 0x63, 0x7f, 0xff, 0xff, 0xff], [0xc0], [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0],
        [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], [0xca, 0x7f, 0xc0, 0, 0], [0xe0], [0xc1], [0x91], [0x81],
    ];

    [Fact]
    public void FromBinary_20000RandomAndMutatedPayloads_FailsOnlyWithSerializationException()
    {
        var serializer = fixture.WithCap(RemitHocon.MaxMessageBytes);
        string lastDrop = "";
        serializer.Dropped += (reason, _) => lastDrop = reason;
        var rng = new Random(20261123);
        string[] manifests = MessageRegistry.Default.Types.Select(t => t.Name).ToArray();
        var corpus = MessageRegistry.Default.Types
            .SelectMany(t => Enumerable.Range(0, 4).Select(seed => (Manifest: t.Name, Bytes: serializer.ToBinary(RandomMessages.Create(t, new Random(seed), maxArray: 6)))))
            .ToArray();
        var outcomes = new Dictionary<string, int>();
        var kindTime = new Dictionary<string, TimeSpan>();

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Cases; i++)
        {
            var (kind, manifest, payload) = NextCase(rng, corpus, manifests, serializer.MaxMessageBytes);
            string outcome;
            var caseStart = clock.Elapsed;
            try
            {
                var message = serializer.FromBinary(payload, manifest!);
                Assert.IsAssignableFrom<IRemitMessage>(message);
                Assert.Null(ContractValidator.FindMissing(message));
                outcome = "accepted";
            }
            catch (SerializationException)
            {
                outcome = lastDrop;
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException(
                    $"case {i} ({kind}, manifest [{manifest}], {payload.Length} bytes {Convert.ToHexString(payload.AsSpan(0, Math.Min(48, payload.Length)))}) threw {ex}");
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            kindTime[kind] = kindTime.GetValueOrDefault(kind) + (clock.Elapsed - caseStart);
        }
        clock.Stop();
        output.WriteLine($"{Cases} payloads in {clock.Elapsed.TotalSeconds:F2} s: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");
        output.WriteLine(string.Join(", ", kindTime.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value.TotalMilliseconds:F0} ms")));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{Cases} payloads took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(outcomes.GetValueOrDefault("accepted") > 100, string.Join(", ", outcomes));
        foreach (var reason in new[] { DropReasons.Malformed, DropReasons.UnknownManifest, DropReasons.Oversized })
            Assert.True(outcomes.GetValueOrDefault(reason) > 0, $"no {reason} case: {string.Join(", ", outcomes)}");
    }

    private static (string Kind, string? Manifest, byte[] Payload) NextCase(
        Random rng, (string Manifest, byte[] Bytes)[] corpus, string[] manifests, int maxBytes)
    {
        var (manifest, real) = corpus[rng.Next(corpus.Length)];
        switch (rng.Next(12))
        {
            case 0:
                return ("random", manifest, RandomBytes(rng, rng.Next(0, 300)));
            case 1:
            {
                var b = (byte[])real.Clone();
                for (int flips = rng.Next(1, 9); flips > 0 && b.Length > 0; flips--)
                    b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return ("bit flips", manifest, b);
            }
            case 2:
                return ("truncated", manifest, real[..rng.Next(real.Length)]);
            case 3:
            {
                int at = rng.Next(real.Length + 1);
                return ("inserted", manifest, [.. real[..at], .. RandomBytes(rng, rng.Next(1, 16)), .. real[at..]]);
            }
            case 4:
            {
                var header = Interesting[rng.Next(Interesting.Length)];
                int at = rng.Next(real.Length + 1);
                return rng.Next(2) == 0
                    ? ("header inserted", manifest, [.. real[..at], .. header, .. real[at..]])
                    : ("header overwritten", manifest, [.. real[..at], .. header, .. real[Math.Min(real.Length, at + header.Length)..]]);
            }
            case 5:
                return ("nesting bomb", manifest, NestingBomb(rng));
            case 6:
                return ("huge declared length", manifest, HugeDeclaredLength(rng, real));
            case 7:
                return ("other real manifest", manifests[rng.Next(manifests.Length)], real);
            case 8:
                return ("random manifest", RandomManifest(rng), real);
            case 9:
            {
                int from = rng.Next(real.Length), length = rng.Next(real.Length - from + 1);
                int at = rng.Next(real.Length + 1);
                return ("slice repeated", manifest, [.. real[..at], .. real.AsSpan(from, length), .. real[at..]]);
            }
            case 10:
                return rng.Next(200) == 0
                    ? ("oversized", manifest, new byte[maxBytes + 1 + rng.Next(1024)])
                    : ("valid", manifest, real);
            default:
            {
                var other = corpus[rng.Next(corpus.Length)].Bytes;
                return ("spliced", manifest, [.. real[..rng.Next(real.Length + 1)], .. other[rng.Next(other.Length + 1)..]]);
            }
        }
    }

    // Arrays, maps or array16s nested up to 200,000 deep (the serializer allows 16).
    private static byte[] NestingBomb(Random rng)
    {
        int depth = rng.Next(4) == 0 ? 200_000 : rng.Next(10, 2_000);
        byte[] unit = rng.Next(3) switch { 0 => [0x91], 1 => [0x81, 0x00], _ => [0xdc, 0x00, 0x01] };
        var bomb = new byte[depth * unit.Length + 1];
        for (int i = 0; i < bomb.Length - 1; i++)
            bomb[i] = unit[i % unit.Length];
        return bomb;
    }

    // A real prefix, then an array/str/bin header that claims up to 2^32-1 elements, then a few bytes.
    private static byte[] HugeDeclaredLength(Random rng, byte[] real)
    {
        var header = new byte[5];
        header[0] = rng.Next(3) switch { 0 => (byte)0xdd, 1 => (byte)0xdb, _ => (byte)0xc6 };
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)rng.NextInt64(1L << 20, 1L << 32));
        int at = rng.Next(real.Length + 1);
        return [.. real[..at], .. header, .. RandomBytes(rng, rng.Next(0, 64))];
    }

    private static string? RandomManifest(Random rng) => rng.Next(5) switch
    {
        0 => null,
        1 => "",
        2 => new string('M', 10_000),
        3 => RandomMessages.RandomString(rng),
        _ => "RolloutsDone ",
    };

    private static byte[] RandomBytes(Random rng, int length)
    {
        var b = new byte[length];
        rng.NextBytes(b);
        return b;
    }
}
