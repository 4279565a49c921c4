using Azure;
using Microsoft.Extensions.Logging;
using StationHub.Ledger;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Storage;

namespace StationHub.GigWork;

/// <summary>
/// Queue function over <c>gig-work-events</c>: stores the event's record if the request that queued
/// it did not get to (<see cref="QueueFirst"/>), acts only on the winning attempt's message, applies
/// the event to its job or match, then does the effects, each idempotent and derived from the
/// stored state (so a retry, or the next event of the same match, repeats them safely): the ledger
/// entries, the payment-due index and each event's recorded outcome. A job that arrives after its
/// matches settles them. A message that cannot be applied never poisons the queue: an event whose
/// time lies outside the window around its receipt (queued before intake refused such times) is
/// rejected with that reason, and one that fails for any reason but storage or cancellation is
/// rejected and recorded, not tried again.
/// </summary>
public sealed class GigWorkRouter(GigWorkBook book, LedgerEntryWriter ledger, HubRegistry registry, TimeProvider time, ILogger<GigWorkRouter> logger)
{
    public const string OutOfWindow = "Its time lies outside 30 days back and 5 minutes ahead of its receipt.";

    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken = default)
    {
        var gigEvent = QueueMessages.Read(body, HubJsonContext.Default.GigWorkEvent);
        var (_, thisAttempt, _) = await book.ReplayAsync(gigEvent, cancellationToken);
        if (!thisAttempt)
        {
            return;
        }

        if (gigEvent.At is { } at && !GigWorkRules.InWindow(at, gigEvent.OccurredAt))
        {
            await book.RecordOutcomeAsync(gigEvent.EventId, GigEventStatus.Rejected, OutOfWindow, cancellationToken);
            Log.EventApplied(logger, gigEvent.EventId, GigEventStatus.Rejected);
            return;
        }

        try
        {
            await ApplyAsync(gigEvent, cancellationToken);
        }
        catch (Exception exception) when (exception is not (RequestFailedException or OperationCanceledException) && !HubStorage.IsUnreachable(exception))
        {
            // Not transient (storage out of reach in any form, the SDK's AggregateException of
            // transport errors included, is tried again): trying again would fail again, five times, into the poison queue.
            Log.EventFailed(logger, exception, gigEvent.EventId);
            await book.RecordOutcomeAsync(gigEvent.EventId, GigEventStatus.Rejected, "The hub could not apply it (" + exception.GetType().Name + ").", cancellationToken);
        }
    }

    private async Task ApplyAsync(GigWorkEvent gigEvent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (gigEvent.Kind == GigEventKind.JobPosted)
        {
            var job = await book.ApplyJobAsync(gigEvent, now, cancellationToken);
            await ledger.WriteAsync(WithPolicy([new LedgerEntry(GigWorkKinds.JobPosted, LedgerScopes.Station(job.StationId), job.PartitionKey, job.RecordedAt, job.WorkersWanted)], job.StationId, now), cancellationToken);
            await book.RecordOutcomeAsync(gigEvent.EventId, GigEventStatus.Applied, null, cancellationToken);
            foreach (var matchId in await book.WaitingMatchesAsync(job, cancellationToken))
            {
                if (await book.ApplyMatchAsync(job.PlatformId, matchId, null, now, cancellationToken) is { } waiting)
                {
                    await EffectsAsync(waiting, now, cancellationToken);
                }
            }

            Log.EventApplied(logger, gigEvent.EventId, GigEventStatus.Applied);
            return;
        }

        var match = await book.ApplyMatchAsync(gigEvent.PlatformId, gigEvent.SubjectId, gigEvent, now, cancellationToken);
        await EffectsAsync(match!, now, cancellationToken);
        Log.EventApplied(logger, gigEvent.EventId, GigMatchMachine.Outcomes(match!).First(o => o.Kind == gigEvent.Kind).Status);
    }

    /// <summary>Everything that follows from the match's state; each step idempotent.</summary>
    private async Task EffectsAsync(GigMatchEntity match, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (match.IsMade)
        {
            await ledger.WriteAsync(WithPolicy(LedgerEntries(match), match.StationId!, now), cancellationToken);
            if (match.PaymentDueAt is not null && match.OverdueNotifiedAt is null)
            {
                await book.MarkDueAsync(match, cancellationToken);
            }
            else if (match.IsCompleted)
            {
                await book.UnmarkDueAsync(match, cancellationToken);
            }
        }

        await book.RecordOutcomesAsync(match, cancellationToken);
    }

    /// <summary>
    /// The entries and, beside them, the station's policy as a fact of today (<see cref="GigWorkKinds.Policy"/>):
    /// same scope, so the same one transaction, no storage call more.
    /// </summary>
    private List<LedgerEntry> WithPolicy(List<LedgerEntry> entries, string stationId, DateTimeOffset now)
    {
        if (registry.FindStation(stationId) is { } station && registry.FindSubsidyPolicy(station.District) is { } policy)
        {
            entries.Add(GigWorkYear.PolicyEntry(policy, LedgerScopes.Station(stationId), now));
        }

        return entries;
    }

    /// <summary>The match's facts for the public ledger: hub ids and times only, never the worker.</summary>
    private static List<LedgerEntry> LedgerEntries(GigMatchEntity match)
    {
        var scope = LedgerScopes.Station(match.StationId!);
        var source = match.PartitionKey;
        var entries = new List<LedgerEntry>
        {
            new(GigWorkKinds.MatchMade, scope, source, match.MadeRecordedAt!.Value, Label: GigWorkFigures.WorkerToken(match.WorkerPseudonym!)),
        };
        if (match.Returning == true)
        {
            entries.Add(new(GigWorkKinds.MatchReturning, scope, source, match.MadeRecordedAt!.Value));
        }

        if (match.IsCompleted)
        {
            entries.Add(new(GigWorkKinds.MatchCompleted, scope, source, match.CompletedRecordedAt!.Value));
        }

        if (match.IsPaid)
        {
            entries.Add(new(GigWorkKinds.MatchPaid, scope, source, match.PaidRecordedAt!.Value, match.AmountFen ?? 0, Hours: match.MinutesToPay / 60.0));
        }

        if (match.IsCancelled)
        {
            entries.Add(new(GigWorkKinds.MatchCancelled, scope, source, match.CancelledRecordedAt!.Value));
        }

        return entries;
    }
}
