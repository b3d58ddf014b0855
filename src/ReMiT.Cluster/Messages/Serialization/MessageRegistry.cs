using System.Reflection;
using MessagePack;

namespace ReMiT.Cluster.Messages.Serialization;

/// <summary>
/// Manifest ↔ type for every <see cref="IRemitMessage"/>, found by reflection (never a hand-kept
/// list): the manifest is the type's short name, which stays stable as long as the type keeps its
/// name. Built once at startup; a message type without <c>[MessagePackObject]</c> or two types with
/// the same name fail here, before any node talks to another.
/// </summary>
internal sealed class MessageRegistry
{
    private static readonly Lazy<MessageRegistry> LazyDefault = new(() => Build([typeof(IRemitMessage).Assembly]));

    private readonly Dictionary<string, Type> _byManifest;
    private readonly Dictionary<Type, string> _byType;

    private MessageRegistry(Dictionary<string, Type> byManifest)
    {
        _byManifest = byManifest;
        _byType = byManifest.ToDictionary(kv => kv.Value, kv => kv.Key);
    }

    /// <summary>The messages of ReMiT.Cluster (where <see cref="IRemitMessage"/> lives).</summary>
    public static MessageRegistry Default => LazyDefault.Value;

    /// <summary>Every concrete message type, ordered by manifest.</summary>
    public IReadOnlyList<Type> Types => _byManifest.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToArray();

    /// <summary>Registers every concrete <see cref="IRemitMessage"/> in <paramref name="assemblies"/>.</summary>
    /// <exception cref="InvalidOperationException">A type lacks <c>[MessagePackObject]</c>, is generic, or shares its name with another.</exception>
    public static MessageRegistry Build(IEnumerable<Assembly> assemblies) =>
        Build(assemblies.Distinct().SelectMany(a => a.GetTypes()).Where(IsMessageType));

    /// <summary>Registers exactly <paramref name="types"/> (tests build registries this way).</summary>
    public static MessageRegistry Build(IEnumerable<Type> types)
    {
        var byManifest = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (!IsMessageType(type))
                throw new InvalidOperationException($"{type.FullName} is not a concrete IRemitMessage type.");
            if (type.GetCustomAttribute<MessagePackObjectAttribute>() is null)
                throw new InvalidOperationException(
                    $"{type.FullName} implements IRemitMessage but has no [MessagePackObject]; add it with explicit [property: Key(n)] keys (see Messages/Protocol.cs).");
            if (type.IsGenericTypeDefinition)
                throw new InvalidOperationException($"{type.FullName} is generic; IRemitMessage types must be closed, named records.");
            if (!byManifest.TryAdd(type.Name, type))
                throw new InvalidOperationException(
                    $"Two IRemitMessage types share the manifest '{type.Name}': {byManifest[type.Name].FullName} and {type.FullName}; rename one of them.");
        }
        return new MessageRegistry(byManifest);
    }

    public bool TryGetType(string? manifest, out Type type)
    {
        if (manifest is not null && _byManifest.TryGetValue(manifest, out var found))
        {
            type = found;
            return true;
        }
        type = typeof(void);
        return false;
    }

    public bool TryGetManifest(Type type, out string manifest) => _byType.TryGetValue(type, out manifest!);

    private static bool IsMessageType(Type t) => typeof(IRemitMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false };
}
