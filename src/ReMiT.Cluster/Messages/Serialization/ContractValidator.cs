using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using MessagePack;

namespace ReMiT.Cluster.Messages.Serialization;

/// <summary>
/// MessagePack happily decodes <c>nil</c> into a non-nullable <c>string</c> or array; this finds such
/// holes after decoding, so a malformed payload is refused at the edge rather than throwing a
/// NullReferenceException inside an actor. Walks the properties with a <c>[Key]</c> whose declared
/// nullability is "not null", into nested <c>[MessagePackObject]</c> records and arrays of them.
/// </summary>
internal static class ContractValidator
{
    private static readonly ConcurrentDictionary<Type, Member[]> MembersByType = new();

    /// <summary>Null when every non-nullable reference in the graph is set; else the path of the first hole, e.g. <c>RolloutsDone.Rollouts[3].PromptIds</c>.</summary>
    public static string? FindMissing(object message) => Find(message) is { } hole ? message.GetType().Name + hole : null;

    // Returns the hole's path relative to obj, built only on failure (the happy path allocates nothing).
    private static string? Find(object obj)
    {
        foreach (var m in MembersByType.GetOrAdd(obj.GetType(), Describe))
        {
            object? value = m.Get(obj);
            if (value is null)
            {
                if (m.NotNull) return "." + m.Name;
                continue;
            }
            if (m.IsRecord && Find(value) is { } inner)
                return "." + m.Name + inner;
            if (m.HasReferenceElements)
            {
                var items = (object?[])value;
                for (int i = 0; i < items.Length; i++)
                {
                    if (items[i] is not { } item)
                    {
                        if (m.ElementNotNull) return $".{m.Name}[{i}]";
                        continue;
                    }
                    if (m.ElementIsRecord && Find(item) is { } innerItem)
                        return $".{m.Name}[{i}]{innerItem}";
                }
            }
        }
        return null;
    }

    private static Member[] Describe(Type type)
    {
        var nullability = new NullabilityInfoContext();
        var members = new List<Member>();
        foreach (var prop in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (prop.PropertyType.IsValueType || prop.GetCustomAttribute<KeyAttribute>() is null)
                continue;
            var info = nullability.Create(prop);
            var element = prop.PropertyType.IsArray ? prop.PropertyType.GetElementType()! : null;
            bool referenceElements = element is { IsValueType: false };
            members.Add(new Member(
                prop.Name, CompileGetter(type, prop),
                NotNull: info.ReadState == NullabilityState.NotNull,
                IsRecord: IsRecord(prop.PropertyType),
                HasReferenceElements: referenceElements,
                ElementNotNull: referenceElements && info.ElementType?.ReadState == NullabilityState.NotNull,
                ElementIsRecord: element is not null && IsRecord(element)));
        }
        return members.ToArray();
    }

    private static bool IsRecord(Type t) => t is { IsClass: true, IsArray: false } && t.GetCustomAttribute<MessagePackObjectAttribute>() is not null;

    private static Func<object, object?> CompileGetter(Type type, PropertyInfo prop)
    {
        var obj = Expression.Parameter(typeof(object), "obj");
        var body = Expression.Convert(Expression.Property(Expression.Convert(obj, type), prop), typeof(object));
        return Expression.Lambda<Func<object, object?>>(body, obj).Compile();
    }

    private sealed record Member(
        string Name, Func<object, object?> Get, bool NotNull, bool IsRecord,
        bool HasReferenceElements, bool ElementNotNull, bool ElementIsRecord);
}
