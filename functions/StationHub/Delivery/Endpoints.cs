using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using StationHub.Platform.Registry;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Delivery;

/// <summary>An outbound destination's state: deliveries go out only while it is active.</summary>
public static class EndpointStates
{
    public const string Active = "active";

    /// <summary>An administrator paused it: deliveries wait (parked) until it is resumed.</summary>
    public const string Paused = "paused";

    /// <summary>It failed without a success for <see cref="DeliveryOptions.DisableAfter"/>: deliveries wait until it is resumed.</summary>
    public const string Disabled = "disabled";
}

/// <summary>
/// One destination's state and delivery record (table <c>Endpoints</c>): a partition of its own per
/// destination (partition and row = the destination, <c>city:hangzhou</c>), so no partition is crossed
/// by every delivery of the hub. A destination with no row is active and has no history. Rows written
/// before (all in one partition, <see cref="LegacyPartition"/>) are read when a destination has no row
/// of its own, and moved into its own partition by the next write.
/// </summary>
public sealed class EndpointEntity : ITableEntity
{
    /// <summary>The one partition every destination's row was kept in before each got its own.</summary>
    public const string LegacyPartition = "endpoint";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string State { get; set; } = EndpointStates.Active;
    public DateTimeOffset? StateChangedAt { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }

    /// <summary>The first failure since the last success (null while the destination answers).</summary>
    public DateTimeOffset? FailingSince { get; set; }
    public DateTimeOffset? LastFailureAt { get; set; }
    public string? LastError { get; set; }
    public int ConsecutiveFailures { get; set; }
    public long TotalFailures { get; set; }

    public bool IsOpen => State == EndpointStates.Active;

    internal EndpointEntity Copy() => (EndpointEntity)MemberwiseClone();
}

/// <summary>
/// Reads and changes destinations' states and records, under ETags (<see cref="Optimistic"/>). A
/// delivery reads its destination's state through a per-host cache (<see cref="FindForDeliveryAsync"/>,
/// at most one read per destination and <see cref="StateCacheFor"/>), and records a success from that
/// row, once per <see cref="SuccessGranularity"/>, without reading it again.
/// </summary>
public sealed class EndpointStore(HubStorage storage, TimeProvider time)
{
    /// <summary>
    /// A success is written again only when the stored one is older than this (one write per destination and
    /// window, not per delivery): <c>lastSuccessAt</c> is at most this stale, which matters to no decision (a
    /// failure streak ends at its first success whatever the window; disabling is counted in days), while a
    /// destination that gets a delivery every few seconds would otherwise cost a write for each.
    /// </summary>
    public static readonly TimeSpan SuccessGranularity = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a host delivers on a destination's open state as read (this host's own changes take effect
    /// at once; a closed state is always read again): a pause or disable made on another host holds this
    /// host's deliveries at most this much later.
    /// </summary>
    public static readonly TimeSpan StateCacheFor = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, CachedEndpoint> cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> successWrites = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<EndpointEntity?>>> reading = new(StringComparer.Ordinal);

    private TableClient Endpoints => storage.Table(Tables.Endpoints);

    /// <summary>
    /// The destination's row, from its own partition; else a row kept before destinations had their own
    /// (one more read, only while the destination has none), returned as not yet stored there (no ETag),
    /// so the next write adds it to the destination's own partition.
    /// </summary>
    public async Task<EndpointEntity?> FindAsync(Destination destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var key = destination.ToString();
        if (await Endpoints.FindAsync<EndpointEntity>(key, key, cancellationToken) is { } own)
        {
            return own;
        }

        if (await Endpoints.FindAsync<EndpointEntity>(EndpointEntity.LegacyPartition, key, cancellationToken) is not { } legacy)
        {
            return null;
        }

        legacy.PartitionKey = key;
        legacy.ETag = default;
        return legacy;
    }

    private static EndpointEntity New(string key) => new() { PartitionKey = key, RowKey = key };

    // A row not yet in the destination's own partition (new, or read from the legacy one) is added; else replaced under its ETag.
    private Task<bool> WriteAsync(EndpointEntity entity, CancellationToken cancellationToken) =>
        entity.ETag == default ? Endpoints.TryAddAsync(entity, cancellationToken) : Endpoints.TryReplaceAsync(entity, cancellationToken);

    /// <summary>The destination's row as a delivery sees it: read at most once per <see cref="StateCacheFor"/> on this host.</summary>
    public async Task<EndpointEntity?> FindForDeliveryAsync(Destination destination, CancellationToken cancellationToken = default)
    {
        var key = destination.ToString();
        // Only an open state is taken from the cache: a delivery is never parked on a stale pause (a resume
        // on another host releases the parked ones, which must not be parked here again).
        if (cache.TryGetValue(key, out var cached) && (cached.Entity?.IsOpen ?? true) && time.GetElapsedTime(cached.ReadAt) < StateCacheFor)
        {
            return cached.Entity;
        }

        // Deliveries that miss together (a burst after the state went stale) share one read.
        var read = reading.GetOrAdd(key, _ => new Lazy<Task<EndpointEntity?>>(() => ReadIntoCacheAsync(destination, key, cancellationToken)));
        try
        {
            return await read.Value;
        }
        finally
        {
            reading.TryRemove(KeyValuePair.Create(key, read));
        }
    }

    private async Task<EndpointEntity?> ReadIntoCacheAsync(Destination destination, string key, CancellationToken cancellationToken)
    {
        var entity = await FindAsync(destination, cancellationToken);
        cache[key] = new CachedEndpoint(entity, time.GetTimestamp());
        return entity;
    }

    public async Task<Dictionary<string, EndpointEntity>> ListAsync(CancellationToken cancellationToken = default)
    {
        var all = new Dictionary<string, EndpointEntity>(StringComparer.Ordinal);
        // The table holds only destinations' rows: one per destination, and the legacy ones, which its own row outranks.
        await foreach (var entity in Endpoints.QueryAsync<EndpointEntity>(cancellationToken: cancellationToken))
        {
            if (entity.PartitionKey == entity.RowKey || !all.ContainsKey(entity.RowKey))
            {
                all[entity.RowKey] = entity;
            }
        }

        return all;
    }

    /// <summary>
    /// A delivery went through: the failure streak ends. Skipped when the row this host knows best already
    /// says so recently: the one it read or wrote last (say, the success written by a delivery that ended
    /// first), else <paramref name="seen"/>, the row this delivery read before its call. So deliveries in
    /// flight together write one success between them, not one each that all but the first lose (412).
    /// </summary>
    public Task RecordSuccessAsync(Destination destination, EndpointEntity? seen, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var known = cache.TryGetValue(destination.ToString(), out var cached) && cached.Entity is { } latest ? latest : seen;
        if (known is { FailingSince: null, LastSuccessAt: { } last } && now - last < SuccessGranularity)
        {
            return Task.CompletedTask;
        }

        return RecordSuccessOnceAsync(destination, known, now, cancellationToken);
    }

    // One write from the row read before the call (its ETag), by one delivery of this host at a time; a
    // lost race (412, 409) is left alone: the row changed, and the next success within the window writes.
    private async Task RecordSuccessOnceAsync(Destination destination, EndpointEntity? seen, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = destination.ToString();
        if (!successWrites.TryAdd(key, true))
        {
            return;
        }

        try
        {
            var entity = seen?.Copy() ?? New(key);
            entity.LastSuccessAt = entity.LastSuccessAt is { } stored && stored > now ? stored : now;
            entity.FailingSince = null;
            entity.ConsecutiveFailures = 0;
            var written = await WriteAsync(entity, cancellationToken);
            Remember(key, written ? entity : null);
        }
        finally
        {
            successWrites.TryRemove(key, out _);
        }
    }

    // What this host wrote is what it delivers on; after a lost race it reads again.
    private void Remember(string key, EndpointEntity? written)
    {
        if (written is null)
        {
            cache.TryRemove(key, out _);
        }
        else
        {
            cache[key] = new CachedEndpoint(written.Copy(), time.GetTimestamp());
        }
    }

    /// <summary>
    /// A delivery failed. When the destination has failed without a success for
    /// <paramref name="disableAfter"/> and is active, it becomes disabled; the one caller whose write
    /// did that gets the entity back (to tell the administrators once), every other caller null.
    /// </summary>
    public async Task<EndpointEntity?> RecordFailureAsync(Destination destination, DateTimeOffset now, string? error, TimeSpan disableAfter, CancellationToken cancellationToken = default)
    {
        EndpointEntity? disabled = null;
        await ChangeAsync(destination, "an endpoint's failures", entity =>
        {
            disabled = null;
            entity.FailingSince ??= now;
            entity.LastFailureAt = now;
            entity.LastError = error;
            entity.ConsecutiveFailures++;
            entity.TotalFailures++;
            if (entity.State == EndpointStates.Active && now - entity.FailingSince >= disableAfter)
            {
                entity.State = EndpointStates.Disabled;
                entity.StateChangedAt = now;
                disabled = entity;
            }

            return true;
        }, cancellationToken);
        return disabled;
    }

    /// <summary>Sets the state; false when it already was that state (nothing written).</summary>
    public async Task<(EndpointEntity Entity, bool Changed)> SetStateAsync(Destination destination, string state, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var changed = false;
        var entity = await ChangeAsync(destination, "an endpoint's state", entity =>
        {
            changed = entity.State != state;
            if (!changed)
            {
                return false;
            }

            entity.State = state;
            entity.StateChangedAt = now;
            if (state == EndpointStates.Active)
            {
                // A fresh start: the failure streak that disabled it does not count against it again.
                entity.FailingSince = null;
                entity.ConsecutiveFailures = 0;
            }

            return true;
        }, cancellationToken);
        return (entity, changed);
    }

    /// <summary>Reads the row (or a new one), applies <paramref name="change"/>, writes it under its ETag; again on a lost race.</summary>
    private Task<EndpointEntity> ChangeAsync(Destination destination, string what, Func<EndpointEntity, bool> change, CancellationToken cancellationToken) =>
        Optimistic.RetryAsync(what, async _ =>
        {
            var stored = await FindAsync(destination, cancellationToken);
            var entity = stored ?? New(destination.ToString());
            if (!change(entity))
            {
                return Attempt<EndpointEntity>.Done(entity);
            }

            var written = await WriteAsync(entity, cancellationToken);
            Remember(entity.RowKey, written ? entity : null);
            return written ? Attempt<EndpointEntity>.Done(entity) : Attempt<EndpointEntity>.Retry;
        }, cancellationToken);

    private sealed record CachedEndpoint(EndpointEntity? Entity, long ReadAt);
}

/// <summary>The destinations the registry names, and each one's <c>maxPerSecond</c>.</summary>
public static class Destinations
{
    public static IEnumerable<Destination> All(HubRegistry registry) =>
        registry.Cities.OrderBy(c => c.Id, StringComparer.Ordinal).Select(c => Destination.City(c.Id))
            .Concat(registry.Bodies.Select(b => b.Body.Id).Order(StringComparer.Ordinal).Select(Destination.Body))
            .Concat(registry.Document.Platforms.OrderBy(p => p.Id, StringComparer.Ordinal).Select(p => Destination.Platform(p.Id)));

    /// <summary>True for a destination of the registry that has a lifecycle (not the administrators' own endpoint).</summary>
    public static bool IsKnown(HubRegistry registry, Destination destination) => destination.Kind switch
    {
        DestinationKind.City => registry.FindCity(destination.Id) is not null,
        DestinationKind.Body => registry.FindBody(destination.Id) is not null,
        DestinationKind.Platform => registry.FindPlatform(destination.Id) is not null,
        _ => false,
    };

    /// <summary>The destination's throttle, or null for none.</summary>
    public static int? MaxPerSecond(HubRegistry registry, Destination destination) => destination.Kind switch
    {
        DestinationKind.City => registry.FindCity(destination.Id)?.Delivery.MaxPerSecond,
        DestinationKind.Body => registry.FindBody(destination.Id)?.Body.Delivery.MaxPerSecond,
        DestinationKind.Platform => registry.FindPlatform(destination.Id)?.MaxPerSecond,
        _ => null,
    };
}
