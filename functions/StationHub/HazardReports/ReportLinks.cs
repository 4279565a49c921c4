using StationHub.Platform.Security;
using StationHub.Platform.Storage;

namespace StationHub.HazardReports;

/// <summary>
/// Keeps the link between a report and its original: a row in the original's partition, and the
/// original's count of linked reports, which its recipient's Open311 view carries (<c>linked_reports</c>).
/// Idempotent: the count is recounted from the rows, so a repeat writes the same.
/// </summary>
public sealed class ReportLinks(HazardReportStore store, Pseudonyms pseudonyms)
{
    public async Task LinkAsync(string originalId, string linkedId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        // An original's first link is counted before its row exists: the update router lists the links only of a
        // report that counts some, so a report with a link row always counts one (a crash in between leaves a
        // count of 1 with no row until this link is retried, which lists nothing: harmless).
        await Optimistic.RetryAsync($"The first link of {originalId}", async _ =>
        {
            var entity = await store.FindAsync(originalId, cancellationToken);
            if (entity is null || entity.LinkedCount > 0)
            {
                return Attempt<bool>.Done(true);
            }

            entity.LinkedCount = 1;
            entity.Version++;
            return await store.TryReplaceAsync(entity, cancellationToken) ? Attempt<bool>.Done(true) : Attempt<bool>.Retry;
        }, cancellationToken);

        var count = await store.LinkAsync(originalId, linkedId, at, cancellationToken);
        var original = await Optimistic.RetryAsync<ReportEntity?>($"The link count of {originalId}", async _ =>
        {
            var entity = await store.FindAsync(originalId, cancellationToken);
            if (entity is null || entity.LinkedCount >= count)
            {
                return Attempt<ReportEntity?>.Done(entity);
            }

            entity.LinkedCount = count;
            entity.Version++;
            return await store.TryReplaceAsync(entity, cancellationToken) ? Attempt<ReportEntity?>.Done(entity) : Attempt<ReportEntity?>.Retry;
        }, cancellationToken);

        if (original is not null && original.CurrentStatus != HazardReportStatus.Received)
        {
            var report = original.ToReport();
            await store.ProjectAsync(original, pseudonyms.ForRecipient(report.RecipientKey, report.CourierPseudonym), cancellationToken);
        }
    }
}
