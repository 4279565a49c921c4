using Azure;
using Azure.Data.Tables;
using StationHub.Platform;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Delivery;

/// <summary>A destination's shared per-second counter (table <c>DeliveryThrottle</c>, one row per destination).</summary>
public sealed class ThrottleEntity : ITableEntity
{
    public const string Partition = "throttle";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The Unix second the count is for.</summary>
    public long Second { get; set; }

    public int Count { get; set; }
}

/// <summary>
/// A destination's <c>maxPerSecond</c>, honoured across hosts by one shared counter row per destination:
/// each call takes a slot of the current Unix second under the row's ETag (<see cref="Optimistic"/>), and
/// when the second's slots are gone it waits for the next second. Every host counts on the same row, so
/// the limit holds per calendar second whatever the number of hosts; what makes it approximate is the
/// hosts' clocks (a host whose clock is behind counts into the second the row already holds, so skew
/// never opens a second twice, but it shifts where the second's boundary falls by the skew) and that a
/// slot is taken just before the call, so calls of one second reach the destination spread by their
/// latency. Measured in <c>DeliveryThrottleTests</c>: see README. Costs two table round trips per call.
/// </summary>
public sealed class DeliveryThrottle(HubStorage storage, TimeProvider time, Jitter random)
{
    private TableClient Counters => storage.Table(Tables.DeliveryThrottle);

    /// <summary>Takes a slot now (null) or says how long to wait before asking again.</summary>
    public Task<TimeSpan?> TryAcquireAsync(Destination destination, int maxPerSecond, CancellationToken cancellationToken = default) =>
        Optimistic.RetryAsync<TimeSpan?>("a destination's throttle", async _ =>
        {
            var now = time.GetUtcNow();
            var second = now.ToUnixTimeSeconds();
            var stored = await Counters.FindAsync<ThrottleEntity>(ThrottleEntity.Partition, destination.ToString(), cancellationToken);
            var entity = stored ?? new ThrottleEntity { RowKey = destination.ToString() };
            if (entity.Second >= second)
            {
                // This second (or, for a host whose clock is behind, the second the row already holds).
                if (entity.Count >= maxPerSecond)
                {
                    var nextSecond = DateTimeOffset.FromUnixTimeSeconds(entity.Second + 1);
                    var wait = nextSecond - now;
                    return Attempt<TimeSpan?>.Done(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1));
                }

                entity.Count++;
            }
            else
            {
                entity.Second = second;
                entity.Count = 1;
            }

            var written = stored is null ? await Counters.TryAddAsync(entity, cancellationToken) : await Counters.TryReplaceAsync(entity, cancellationToken);
            return written ? Attempt<TimeSpan?>.Done(null) : Attempt<TimeSpan?>.Retry;
        }, cancellationToken);

    /// <summary>Waits for a slot, at most <paramref name="maxWait"/>; false when none came in that time.</summary>
    public async Task<bool> WaitTurnAsync(Destination destination, int maxPerSecond, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var deadline = time.GetUtcNow() + maxWait;
        while (true)
        {
            TimeSpan? wait;
            try
            {
                wait = await TryAcquireAsync(destination, maxPerSecond, cancellationToken);
            }
            catch (ConcurrencyExhaustedException)
            {
                // Many callers at once on the one row (a parked batch released together, on several hosts):
                // losing every round of it is no slot yet, not a failed delivery. Ask again shortly.
                wait = random.Between(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200));
            }

            if (wait is null)
            {
                return true;
            }

            if (time.GetUtcNow() + wait.Value > deadline)
            {
                return false;
            }

            // Spread the waiters over the first part of the next second, so they do not all meet the row at once.
            var spread = random.Between(TimeSpan.Zero, TimeSpan.FromMilliseconds(50));
            await Task.Delay(wait.Value + spread, time, cancellationToken);
        }
    }
}
