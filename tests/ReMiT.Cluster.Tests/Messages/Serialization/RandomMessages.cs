using System.Reflection;
using System.Text;
using MessagePack;
using ReMiT.Cluster.Messages.Serialization;

namespace ReMiT.Cluster.Tests.Messages.Serialization;

/// <summary>
/// Random instances of any MessagePack record by reflection over its primary constructor: edge-case
/// and random primitives, strings from empty to unicode-heavy, null where the contract allows it,
/// arrays of 0..N elements, nested records. A field type it does not know fails loudly, so a new
/// message shape cannot slip past the round-trip tests.
/// </summary>
internal static class RandomMessages
{
    private static readonly string[] Fragments = ["", "a", "rl:remit", "ä", "日本語", "𝔘𝔫𝔦", "e\u0301", "عربى", "🙂👍🏽", "\0", "\"quoted\"", "tab\tnl\n"];
    private static readonly NullabilityInfoContext Nullability = new();

    /// <summary>Every concrete IRemitMessage type plus the records nested in them.</summary>
    public static IReadOnlyList<Type> AllContractTypes()
    {
        var seen = new SortedDictionary<string, Type>(StringComparer.Ordinal);
        void Visit(Type t)
        {
            if (t.IsArray) { Visit(t.GetElementType()!); return; }
            if (t.GetCustomAttribute<MessagePackObjectAttribute>() is null || !seen.TryAdd(t.FullName!, t)) return;
            foreach (var p in PrimaryConstructor(t).GetParameters()) Visit(p.ParameterType);
        }
        foreach (var t in MessageRegistry.Default.Types) Visit(t);
        return seen.Values.ToArray();
    }

    public static object Create(Type type, Random rng, int maxArray = 8)
    {
        var ctor = PrimaryConstructor(type);
        var args = ctor.GetParameters().Select(p => Value(p.ParameterType, Nullability.Create(p), rng, maxArray, $"{type.Name}.{p.Name}")).ToArray();
        return ctor.Invoke(args);
    }

    public static T Create<T>(Random rng, int maxArray = 8) => (T)Create(typeof(T), rng, maxArray);

    public static ConstructorInfo PrimaryConstructor(Type type) =>
        type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();

    public static string RandomString(Random rng)
    {
        var sb = new StringBuilder();
        int parts = rng.Next(0, 5);
        for (int i = 0; i < parts; i++)
            sb.Append(rng.Next(3) == 0 ? Fragments[rng.Next(Fragments.Length)] : RandomAscii(rng, rng.Next(0, 40)));
        return sb.ToString();
    }

    private static object? Value(Type t, NullabilityInfo n, Random rng, int maxArray, string where)
    {
        bool nullable = n.ReadState == NullabilityState.Nullable || Nullable.GetUnderlyingType(t) is not null;
        if (nullable && rng.Next(3) == 0)
            return null;
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(int)) return Pick(rng, [0, 1, -1, int.MinValue, int.MaxValue, 127, 128, 65535, 65536], () => rng.Next(int.MinValue, int.MaxValue));
        if (t == typeof(long)) return Pick(rng, [0L, -1L, long.MinValue, long.MaxValue, uint.MaxValue + 1L], () => rng.NextInt64(long.MinValue, long.MaxValue));
        if (t == typeof(bool)) return rng.Next(2) == 0;
        if (t == typeof(byte)) return (byte)rng.Next(256);
        if (t == typeof(double)) return Pick(rng, [0.0, -0.0, double.NaN, double.PositiveInfinity, double.MinValue, double.Epsilon], () => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-10, 10)));
        if (t == typeof(float)) return Pick(rng, [0f, -0f, float.NaN, float.NegativeInfinity, float.MaxValue, float.Epsilon], () => (float)(-rng.NextDouble() * 20));
        if (t == typeof(string)) return RandomString(rng);
        if (t == typeof(byte[]))
        {
            var bytes = new byte[rng.Next(0, maxArray * 16)];
            rng.NextBytes(bytes);
            return bytes;
        }
        if (t.IsArray)
        {
            var element = t.GetElementType()!;
            var array = Array.CreateInstance(element, rng.Next(0, maxArray + 1));
            for (int i = 0; i < array.Length; i++)
                array.SetValue(Value(element, n.ElementType!, rng, maxArray, where + "[]"), i);
            return array;
        }
        if (t.IsEnum)
        {
            var values = Enum.GetValues(t);
            return values.GetValue(rng.Next(values.Length));
        }
        if (t.GetCustomAttribute<MessagePackObjectAttribute>() is not null)
            return Create(t, rng, maxArray);
        throw new NotSupportedException($"RandomMessages cannot build a {t} (for {where}); teach it the new field type.");
    }

    private static object Pick<T>(Random rng, T[] edges, Func<T> random) where T : notnull =>
        rng.Next(4) == 0 ? edges[rng.Next(edges.Length)] : random();

    private static string RandomAscii(Random rng, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
            chars[i] = (char)rng.Next(32, 127);
        return new string(chars);
    }
}
