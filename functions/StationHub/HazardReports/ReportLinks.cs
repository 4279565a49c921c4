using StationHub.Platform.Security;
using StationHub.Platform.Storage;

namespace StationHub.HazardReports;

/// <summary>
/// Keeps the link between a report and its original: a row in the original's partition, and the
/// original's count of linked reports, which its recipient's Open311 view carries (<c>linked_reports</c>).
/// The row and the count are written in one transaction of that partition, so the count is always the
/// number of rows, and a repeat (the row there already) changes nothing. A link costs the original's read
/// and the transaction, whatever the number of links before it: a burst about one place links many reports
/// to one original (issue 21; each link used to count every row again).
/// </summary>
public sealed class ReportLinks(HazardReportStore store, Pseudonyms pseudonyms)
{
    public async Task LinkAsync(string originalId, string linkedId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var original = await Optimistic.RetryAsync<ReportEntity?>($"The link of {linkedId} to {originalId}", async _ =>
        {
            var entity = await store.FindAsync(originalId, cancellationToken);
            if (entity is null)
            {
                return Attempt<ReportEntity?>.Done(null);
            }

            entity.LinkedCount++;
            entity.Version++;
            switch (await store.TryLinkAsync(entity, linkedId, at, cancellationToken))
            {
                case TransactionResult.Committed:
                    return Attempt<ReportEntity?>.Done(entity);
                case TransactionResult.Conflict:
                    // Linked before (a repeat of this message): the original as read, so its view is written as a repeat would.
                    entity.LinkedCount--;
                    entity.Version--;
                    return Attempt<ReportEntity?>.Done(entity);
                default:
                    return Attempt<ReportEntity?>.Retry;
            }
        }, cancellationToken);

        if (original is not null && original.CurrentStatus != HazardReportStatus.Received)
        {
            var report = original.ToReport();
            await store.ProjectAsync(original, pseudonyms.ForRecipient(report.RecipientKey, report.CourierPseudonym), cancellationToken);
        }
    }
}
