using Azure;
using Azure.Data.Tables;
using StationHub.Platform.Json;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.GigWork;

/// <summary>
/// Table <c>GigWork</c>: each event's record (<c>ev~…</c>), each job (<c>job~…</c>, with rows for
/// the matches waiting for it), each match (<c>match~…</c>), the workers' match history per
/// station (<c>w~…</c>, keyed by pseudonym, for repeat use) and the payments falling due
/// (partition <c>due</c>, ordered by time). Every change to a match is one conditional write
/// through <see cref="Optimistic"/>.
/// </summary>
public sealed class GigWorkBook(HubStorage storage)
{
    public const string DuePartition = "due";

    private TableClient Table => storage.Table(Tables.GigWork);

    /// <summary>Where the gig-work route's webhook-ids are claimed (<see cref="Platform.Webhooks.WebhookIdClaims"/>).</summary>
    public TableClient ClaimTable => Table;

    /// <summary>Queue first, then the event's record: true for the first attempt of this event, false for a repeat.</summary>
    public Task<bool> AcceptAsync(GigWorkEvent gigEvent, CancellationToken cancellationToken = default) =>
        QueueFirst.AcceptAsync(storage, Queues.GigWorkEvents, gigEvent, HubJsonContext.Default.GigWorkEvent, Table, RecordOf(gigEvent), e => e.AttemptId, cancellationToken);

    /// <summary>The queue side: the event's record (stored from the message if the request died first), and whether the message is the winning attempt's.</summary>
    public Task<Replayed<GigEventEntity>> ReplayAsync(GigWorkEvent gigEvent, CancellationToken cancellationToken = default) =>
        QueueFirst.ReplayAsync(Table, RecordOf(gigEvent), e => e.AttemptId, cancellationToken);

    public Task<GigEventEntity?> FindEventAsync(string eventId, CancellationToken cancellationToken = default) =>
        Table.FindAsync<GigEventEntity>(GigEventEntity.PartitionFor(eventId), GigEventEntity.Row, cancellationToken);

    public Task<GigJobEntity?> FindJobAsync(string platformId, string jobId, CancellationToken cancellationToken = default) =>
        Table.FindAsync<GigJobEntity>(GigJobEntity.PartitionFor(platformId, jobId), GigJobEntity.Row, cancellationToken);

    public Task<GigMatchEntity?> FindMatchAsync(string partition, CancellationToken cancellationToken = default) =>
        Table.FindAsync<GigMatchEntity>(partition, GigMatchEntity.Row, cancellationToken);

    /// <summary>Records a posted job once; the stored job either way.</summary>
    public async Task<GigJobEntity> ApplyJobAsync(GigWorkEvent posted, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var job = new GigJobEntity
        {
            PartitionKey = GigJobEntity.PartitionFor(posted.PlatformId, posted.SubjectId),
            PlatformId = posted.PlatformId,
            JobId = posted.SubjectId,
            StationId = posted.StationId!,
            WorkersWanted = posted.WorkersWanted!.Value,
            Trade = posted.Trade!,
            PayFen = posted.PayFen,
            PostedAt = posted.At!.Value,
            RecordedAt = now,
            AttemptId = posted.AttemptId,
        };
        return await Table.TryAddAsync(job, cancellationToken)
            ? job
            : await FindJobAsync(posted.PlatformId, posted.SubjectId, cancellationToken) ?? throw new InvalidOperationException($"Job {job.PartitionKey} vanished.");
    }

    /// <summary>The matches that arrived before their job (their <c>made</c> names it).</summary>
    public async Task<List<string>> WaitingMatchesAsync(GigJobEntity job, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {job.PartitionKey} and RowKey gt {GigJobEntity.WaitingPrefix} and RowKey lt {GigJobEntity.WaitingPrefix + "~"}");
        var matches = new List<string>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            matches.Add(row.RowKey[GigJobEntity.WaitingPrefix.Length..]);
        }

        return matches;
    }

    /// <summary>
    /// Applies a match event (or, with <paramref name="gigEvent"/> null, settles a match whose job has
    /// just arrived): read, decide (<see cref="GigMatchMachine"/>), write with the ETag, again on a conflict.
    /// </summary>
    public Task<GigMatchEntity?> ApplyMatchAsync(string platformId, string matchId, GigWorkEvent? gigEvent, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var partition = GigMatchEntity.PartitionFor(platformId, matchId);
        return Optimistic.RetryAsync($"Gig match {partition}", async _ =>
        {
            var match = await FindMatchAsync(partition, cancellationToken);
            if (match is null && gigEvent is null)
            {
                return Attempt<GigMatchEntity?>.Done(null);
            }

            var isNew = match is null;
            match ??= new GigMatchEntity { PartitionKey = partition, PlatformId = platformId, MatchId = matchId };
            var jobId = gigEvent?.Kind == GigEventKind.MatchMade ? gigEvent.JobId : match.JobId;
            GigJobEntity? job = null;
            if (jobId is not null && match.MadeStatus is null or GigEventStatus.Pending)
            {
                // The waiting row first, then the job: a job recorded meanwhile then finds this match.
                await Table.UpsertEntityAsync(new TableEntity(GigJobEntity.PartitionFor(platformId, jobId), GigJobEntity.WaitingPrefix + matchId), TableUpdateMode.Replace, cancellationToken);
                job = await FindJobAsync(platformId, jobId, cancellationToken);
            }

            var changed = gigEvent is not null && GigMatchMachine.Receive(match, gigEvent);
            changed |= GigMatchMachine.Settle(match, job, now);
            if (match.IsMade && match.Returning is null)
            {
                match.Returning = await ComesBackAsync(match, cancellationToken);
                changed = true;
            }

            if (!changed)
            {
                return Attempt<GigMatchEntity?>.Done(match);
            }

            match.Version++;
            var written = isNew ? await Table.TryAddAsync(match, cancellationToken) : await Table.TryReplaceAsync(match, cancellationToken);
            return written ? Attempt<GigMatchEntity?>.Done(match) : Attempt<GigMatchEntity?>.Retry;
        }, cancellationToken);
    }

    /// <summary>Copies what became of each event of the match onto the events' records (idempotent).</summary>
    public async Task RecordOutcomesAsync(GigMatchEntity match, CancellationToken cancellationToken = default)
    {
        foreach (var (kind, status, reason) in GigMatchMachine.Outcomes(match))
        {
            await RecordOutcomeAsync(GigWorkEvent.EventIdFor(match.PlatformId, GigWorkEvent.HubIdFor(kind, match.MatchId)), status, reason, cancellationToken);
        }
    }

    public async Task RecordOutcomeAsync(string eventId, string status, string? reason, CancellationToken cancellationToken = default)
    {
        var update = new TableEntity(GigEventEntity.PartitionFor(eventId), GigEventEntity.Row)
        {
            [nameof(GigEventEntity.Status)] = status,
            [nameof(GigEventEntity.Reason)] = reason,
        };
        try
        {
            await Table.UpdateEntityAsync(update, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException exception) when (HubStorage.IsNotFound(exception))
        {
            // Not received yet: its record will be written when it comes.
        }
    }

    /// <summary>
    /// A conditional write on the match claiming its overdue notice for this host: true when the claim
    /// won (nobody notified, no live claim by another host).
    /// </summary>
    public Task<GigMatchEntity?> TryClaimNoticeAsync(string partition, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Optimistic.RetryAsync($"Gig match {partition} notice", async _ =>
        {
            var match = await FindMatchAsync(partition, cancellationToken);
            if (match?.PaymentDueAt is not { } due || due > now || match.OverdueNotifiedAt is not null
                || match.OverdueClaimedAt is { } claimed && now - claimed < GigWorkRules.NoticeLease)
            {
                return Attempt<GigMatchEntity?>.Done(null);
            }

            match.OverdueClaimedAt = now;
            return await Table.TryReplaceAsync(match, cancellationToken) ? Attempt<GigMatchEntity?>.Done(match) : Attempt<GigMatchEntity?>.Retry;
        }, cancellationToken);

    /// <summary>Marks the notice sent (a conditional write on the claimed match).</summary>
    public Task MarkNotifiedAsync(GigMatchEntity claimed, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Optimistic.RetryAsync($"Gig match {claimed.PartitionKey} notified", async attempt =>
        {
            var match = attempt == 0 ? claimed : await FindMatchAsync(claimed.PartitionKey, cancellationToken) ?? claimed;
            if (match.OverdueNotifiedAt is not null)
            {
                return Attempt<bool>.Done(true);
            }

            match.OverdueNotifiedAt = now;
            return await Table.TryReplaceAsync(match, cancellationToken) ? Attempt<bool>.Done(true) : Attempt<bool>.Retry;
        }, cancellationToken);

    public Task MarkDueAsync(GigMatchEntity match, CancellationToken cancellationToken = default) =>
        Table.UpsertEntityAsync(new TableEntity(DuePartition, DueRow(match)) { ["Match"] = match.PartitionKey }, TableUpdateMode.Replace, cancellationToken);

    public async Task UnmarkDueAsync(GigMatchEntity match, CancellationToken cancellationToken = default)
    {
        if (match.CompletedAt is null)
        {
            return;
        }

        try
        {
            await Table.DeleteEntityAsync(DuePartition, DueRow(match), cancellationToken: cancellationToken);
        }
        catch (RequestFailedException exception) when (HubStorage.IsNotFound(exception))
        {
        }
    }

    /// <summary>The matches whose payment fell due at or before <paramref name="now"/>, oldest first.</summary>
    public async IAsyncEnumerable<string> DueAsync(DateTimeOffset now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DuePartition} and RowKey le {TimeKeys.Of(now) + "~~"}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return row.GetString("Match");
        }
    }

    private static string DueRow(GigMatchEntity match) => TimeKeys.Of(match.CompletedAt!.Value + GigWorkRules.PayWithin) + "~" + match.PartitionKey;

    /// <summary>Whether the worker was matched at this station in the 30 days before this match; records this match in the worker's history.</summary>
    private async Task<bool> ComesBackAsync(GigMatchEntity match, CancellationToken cancellationToken)
    {
        var partition = "w~" + match.StationId + "~" + match.WorkerPseudonym;
        var matchedAt = match.MatchedAt!.Value;
        await Table.UpsertEntityAsync(new TableEntity(partition, TimeKeys.Of(matchedAt) + "~" + match.PartitionKey), TableUpdateMode.Replace, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {TimeKeys.Of(matchedAt - GigWorkRules.ComesBackWithin)} and RowKey lt {TimeKeys.Of(matchedAt)}");
        await foreach (var _ in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            return true;
        }

        return false;
    }

    private static GigEventEntity RecordOf(GigWorkEvent gigEvent) => new()
    {
        PartitionKey = GigEventEntity.PartitionFor(gigEvent.EventId),
        HubId = gigEvent.HubId,
        Type = gigEvent.Kind.ToString(),
        PlatformId = gigEvent.PlatformId,
        AttemptId = gigEvent.AttemptId,
        ReceivedAt = gigEvent.OccurredAt,
    };
}
