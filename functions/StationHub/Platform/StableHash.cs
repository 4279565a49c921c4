namespace StationHub.Platform;

/// <summary>
/// A hash that is the same in every process and version (<c>string.GetHashCode</c> is not), for
/// choosing a shard that a later write, a retry or another host must choose again.
/// </summary>
public static class StableHash
{
    /// <summary>FNV-1a over the string's UTF-16 code units.</summary>
    public static uint Fnv1a(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    /// <summary>The shard in [0, <paramref name="shards"/>) that <paramref name="key"/> belongs to.</summary>
    public static int Shard(string key, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        return (int)(Fnv1a(key) % (uint)shards);
    }
}
