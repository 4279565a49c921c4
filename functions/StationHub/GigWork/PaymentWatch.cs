using System.Text.Json;
using Microsoft.Extensions.Logging;
using StationHub.Delivery;
using StationHub.Platform.Json;
using StationHub.Platform.Storage;

namespace StationHub.GigWork;

/// <summary>
/// Timer function: tells the platform of each match completed but not paid within 2 hours
/// (<c>gig_match.payment_overdue</c>), reading only the due part of the payment index. Once per
/// match, whichever hosts run it: a host first claims the match with a conditional write (a claim
/// holds for <see cref="GigWorkRules.NoticeLease"/>, so a host that died after claiming is replaced),
/// then queues the notice under its stable id (<see cref="DeliveryRequested.IdFor"/>), then marks it
/// sent and drops the index row.
/// </summary>
public sealed class PaymentWatch(GigWorkBook book, HubStorage storage, TimeProvider time, ILogger<PaymentWatch> logger)
{
    public const string EventKey = "payment_overdue";

    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var told = 0;
        await foreach (var partition in book.DueAsync(now, cancellationToken))
        {
            var claimed = await book.TryClaimNoticeAsync(partition, now, cancellationToken);
            if (claimed is null)
            {
                // Paid, cancelled or told already (drop the stale index row), or another host holds the claim.
                var match = await book.FindMatchAsync(partition, cancellationToken);
                if (match is not null && (match.PaymentDueAt is null || match.OverdueNotifiedAt is not null))
                {
                    await book.UnmarkDueAsync(match, cancellationToken);
                }

                continue;
            }

            var notice = new PaymentOverdueNotice(GigWorkEvent.HubIdFor(GigEventKind.MatchMade, claimed.MatchId), claimed.MatchId, claimed.JobId!, claimed.StationId!, claimed.CompletedAt!.Value, claimed.PaymentDueAt!.Value);
            var data = JsonSerializer.SerializeToElement(notice, HubJsonContext.Default.PaymentOverdueNotice);
            var delivery = DeliveryRequested.Create(claimed.PartitionKey, now, Destination.Platform(claimed.PlatformId), GigWorkTypes.PaymentOverdue, EventKey, data, claimed.PartitionKey);
            await storage.RequestDeliveryAsync(delivery, cancellationToken: cancellationToken);
            await book.MarkNotifiedAsync(claimed, now, cancellationToken);
            await book.UnmarkDueAsync(claimed, cancellationToken);
            told++;
            Log.PaymentOverdue(logger, claimed.PartitionKey, delivery.DeliveryId);
        }

        return told;
    }
}

/// <summary>
/// <c>gig_match.payment_overdue</c>: the hub id of the match (that of its <c>gig_match.made</c>), the
/// platform's own match and job ids, when it was completed and when pay fell due; no worker.
/// </summary>
public sealed record PaymentOverdueNotice(string HubId, string MatchId, string JobId, string StationId, DateTimeOffset CompletedAt, DateTimeOffset PaymentDueAt);
