using System.Security.Cryptography;

namespace StationHub.Platform;

/// <summary>
/// Where the hub's random spreads come from (a delivery's retry delay, a throttled delivery's next
/// try, waiters on a throttle row): injected, so that a test can fix them, never
/// <c>Random.Shared</c> read inside logic.
/// </summary>
public sealed class Jitter(Func<double>? next = null)
{
    /// <summary>A number in [0, 1).</summary>
    public double NextDouble() => next?.Invoke() ?? RandomNumberGenerator.GetInt32(int.MaxValue) / (double)int.MaxValue;

    /// <summary>A span in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public TimeSpan Between(TimeSpan min, TimeSpan max) => min + (max - min) * NextDouble();
}
