namespace ReMiT.Cluster.Actors;

/// <summary>
/// A worker's registration with the coordinator singleton, and when to register again: until it is
/// answered, and whenever the singleton runs on another node than the one that answered (moved away, or a
/// restarted incarnation on the same address: the node's unique address names the incarnation). A new
/// coordinator knows no one and refuses what unregistered workers send.
/// </summary>
/// <typeparam name="THost">Where the singleton runs (a cluster member's unique address).</typeparam>
internal sealed class CoordinatorRegistration<THost> where THost : class
{
    private THost? _answeredFrom;

    /// <summary>The coordinator answered since the last (re-)registration.</summary>
    public bool Registered { get; private set; }

    /// <summary>Some coordinator answered before: the next answer is a re-registration.</summary>
    public bool EverRegistered { get; private set; }

    /// <summary>
    /// Whether to send a registration now, given where the singleton runs now (null: unknown or none up).
    /// A move resets the registration until the new coordinator answers.
    /// </summary>
    public bool Due(THost? singletonNow)
    {
        if (!Registered) return true;
        if (singletonNow is null || singletonNow.Equals(_answeredFrom)) return false;
        if (_answeredFrom is null)
        {
            // Answered before this node saw where the singleton runs: that is where it ran.
            _answeredFrom = singletonNow;
            return false;
        }
        Registered = false;
        return true;
    }

    /// <summary>
    /// The coordinator answered (the singleton running on <paramref name="singletonNow"/>); returns whether this is
    /// a first registration (false: a re-registration with a new coordinator; null: a repeated answer, ignored).
    /// </summary>
    public bool? Answered(THost? singletonNow)
    {
        if (Registered) return null;
        Registered = true;
        _answeredFrom = singletonNow;
        bool first = !EverRegistered;
        EverRegistered = true;
        return first;
    }

    /// <summary>Where the singleton ran when the coordinator last answered.</summary>
    public THost? AnsweredFrom => _answeredFrom;
}
