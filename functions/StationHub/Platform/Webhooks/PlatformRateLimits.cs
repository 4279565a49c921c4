using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using StationHub.Platform.Registry;

namespace StationHub.Platform.Webhooks;

/// <summary>
/// One token bucket per platform (<see cref="Registry.Platform.RatePerSecond"/>, burst twice
/// that), kept per hub instance: on Azure with several instances the platform's effective
/// ceiling is the sum, which protects each instance and the storage behind it.
/// </summary>
public sealed class PlatformRateLimits : IDisposable
{
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> limiters = new(StringComparer.Ordinal);

    public bool TryAcquire(Registry.Platform platform)
    {
        var limiter = limiters.GetOrAdd(platform.Id, static (_, rate) => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = rate * 2,
            TokensPerPeriod = rate,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }), Math.Max(1, platform.RatePerSecond));
        using var lease = limiter.AttemptAcquire();
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        foreach (var limiter in limiters.Values)
        {
            limiter.Dispose();
        }
    }
}
