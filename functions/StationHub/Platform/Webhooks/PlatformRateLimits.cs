using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using StationHub.Platform.Registry;

namespace StationHub.Platform.Webhooks;

/// <summary>
/// Two token buckets per platform, kept per hub instance (on Azure with several instances the
/// effective ceiling is the sum, which protects each instance and the storage behind it): the
/// platform's own rate (<see cref="Registry.Platform.RatePerSecond"/>, burst twice that), drawn only
/// by requests whose signature checked out, and <see cref="UnauthenticatedPerSecond"/> for requests
/// refused before that, so that nobody without the platform's secret can use up its rate.
/// </summary>
public sealed class PlatformRateLimits : IDisposable
{
    /// <summary>Refused requests (bad or missing signature, too large) a platform's route answers per second before it answers 429.</summary>
    public const int UnauthenticatedPerSecond = 20;

    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> limiters = new(StringComparer.Ordinal);

    /// <summary>Takes one of the platform's own tokens: call only for a request whose signature is valid.</summary>
    public bool TryAcquire(Registry.Platform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        return TryAcquire(platform.Id, platform.RatePerSecond);
    }

    /// <summary>Takes a token of the platform route's unauthenticated bucket, apart from the platform's own.</summary>
    public bool TryAcquireUnauthenticated(Registry.Platform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        return TryAcquire("unauthenticated~" + platform.Id, UnauthenticatedPerSecond);
    }

    private bool TryAcquire(string key, int ratePerSecond)
    {
        var limiter = limiters.GetOrAdd(key, static (_, rate) => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = rate * 2,
            TokensPerPeriod = rate,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }), Math.Max(1, ratePerSecond));
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
