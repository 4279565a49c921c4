using Microsoft.Extensions.Options;
using StationHub.Platform;

namespace StationHub.Delivery;

/// <summary>When to try a failed delivery again, or that it is time to give up.</summary>
public sealed class RetryPolicy(IOptions<DeliveryOptions> options, Jitter random)
{
    private readonly IReadOnlyList<TimeSpan> delays = options.Value.RetryDelays();

    public int MaxAttempts => delays.Count + 1;

    /// <summary>
    /// The delay before the try after <paramref name="attempt"/> (0-based) failed, or null when
    /// that was the last. A destination's <c>Retry-After</c> wins over the schedule when longer.
    /// </summary>
    public TimeSpan? NextDelay(int attempt, TimeSpan? retryAfter)
    {
        if (attempt + 1 >= MaxAttempts)
        {
            return null;
        }

        var scheduled = delays[attempt];
        var jitter = options.Value.JitterPercent / 100.0;
        var factor = 1 + ((random.NextDouble() * 2) - 1) * jitter;
        var delay = TimeSpan.FromTicks((long)(scheduled.Ticks * factor));
        if (retryAfter is { } asked)
        {
            var capped = asked > options.Value.MaxRetryAfter ? options.Value.MaxRetryAfter : asked;
            if (capped > delay)
            {
                delay = capped;
            }
        }

        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }
}
