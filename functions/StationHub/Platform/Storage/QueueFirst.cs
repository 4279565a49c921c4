using System.Text.Json.Serialization.Metadata;
using Azure.Data.Tables;

namespace StationHub.Platform.Storage;

/// <summary>
/// How the hub accepts anything exactly once without losing it: the intent is queued first
/// (carrying all it needs), then the entity that records it is added once. If the hub stops
/// between the two, the queue function finds no entity and writes it from the message; if the
/// same item comes again, the add fails and the stored entity answers. Each attempt carries its
/// own id, so a stored entity tells whose attempt won — and a queue function acts only on the
/// message of the winning attempt.
/// </summary>
public static class QueueFirst
{
    /// <summary>True when this attempt's entity was stored (or the queue function stored it from
    /// this attempt's message); false when an earlier attempt's entity was already there.</summary>
    public static async Task<bool> AcceptAsync<TMessage, TEntity>(
        HubStorage storage,
        string queue,
        TMessage message,
        JsonTypeInfo<TMessage> messageType,
        TableClient table,
        TEntity entity,
        Func<TEntity, string> attemptOf,
        CancellationToken cancellationToken = default)
        where TEntity : class, ITableEntity
    {
        await storage.SendAsync(queue, message, messageType, cancellationToken: cancellationToken);
        if (await table.TryAddAsync(entity, cancellationToken))
        {
            return true;
        }

        var stored = await table.FindAsync<TEntity>(entity.PartitionKey, entity.RowKey, cancellationToken);
        return stored is not null && attemptOf(stored) == attemptOf(entity);
    }

    /// <summary>
    /// How long a message of <see cref="ThenApplyAsync"/> stays hidden after it is sent. The request applies in tens of
    /// milliseconds; without this head start a queue function polling at its shortest interval could take the message
    /// while the request was still applying, and both wrote: one lost its ETag or record insert and read again, about 3
    /// storage requests more (issue 21: a busy-loop run of FlowCostTests measured points earn at 16.9 requests a
    /// transaction, the queue function applying about a third of them beside their requests). A request still applying
    /// after it can still race, which stays safe. What it costs: the queue function's effects (the notices, the ledger
    /// facts) start a second later.
    /// </summary>
    public static readonly TimeSpan HeadStart = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Queue then apply: the intent is queued first (carrying all it needs, hidden for <see cref="HeadStart"/>), so the
    /// queue function applies it if this request stops half-way; then the request applies it itself and answers with
    /// the outcome. Applying is idempotent (the queue function's later run finds it done).
    /// </summary>
    public static async Task<TOutcome> ThenApplyAsync<TMessage, TOutcome>(
        HubStorage storage,
        string queue,
        TMessage message,
        JsonTypeInfo<TMessage> messageType,
        Func<CancellationToken, Task<TOutcome>> apply,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(apply);
        await storage.SendAsync(queue, message, messageType, HeadStart, cancellationToken);
        return await apply(cancellationToken);
    }

    /// <summary>
    /// The queue side of <see cref="AcceptAsync"/>: the stored entity for a queued message, storing it
    /// from the message when the request that queued it died before its own write; and whether this
    /// message's attempt is the one whose entity was stored (only that message may act on it).
    /// </summary>
    public static async Task<Replayed<TEntity>> ReplayAsync<TEntity>(
        TableClient table,
        TEntity fromMessage,
        Func<TEntity, string> attemptOf,
        CancellationToken cancellationToken = default)
        where TEntity : class, ITableEntity
    {
        var stored = await table.FindAsync<TEntity>(fromMessage.PartitionKey, fromMessage.RowKey, cancellationToken);
        var storedHere = false;
        if (stored is null)
        {
            storedHere = await table.TryAddAsync(fromMessage, cancellationToken);
            stored = storedHere
                ? fromMessage
                : await table.FindAsync<TEntity>(fromMessage.PartitionKey, fromMessage.RowKey, cancellationToken)
                    ?? throw new InvalidOperationException($"{fromMessage.PartitionKey} vanished while it was stored.");
        }

        return new(stored, attemptOf(stored) == attemptOf(fromMessage), storedHere);
    }
}

/// <summary>What <see cref="QueueFirst.ReplayAsync"/> found: the stored entity, whether it is this
/// message's attempt, and whether this message stored it (its request died before its own write).</summary>
public readonly record struct Replayed<TEntity>(TEntity Stored, bool ThisAttempt, bool StoredFromMessage);
