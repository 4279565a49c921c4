using StationHub.Ledger;
using StationHub.Platform.Registry;

namespace StationHub.HazardReports;

/// <summary>
/// The ledger facts of a worker need (a report of the "Worker needs" category group), written
/// beside the report facts the same flow writes for every report: once under the report's district
/// and once under its responsible body (<c>body~{id}</c>: the body that takes the category, else the
/// city), so the ledger shows needs heard and answered apart from hazards, by district and by body.
/// Same sources as the report facts, so a repeat writes the same rows.
/// </summary>
public static class NeedFacts
{
    public static bool IsNeed(HubRegistry registry, string category) => registry.FindCategory(category)?.IsWorkerNeed == true;

    /// <summary>The need's facts of <paramref name="kind"/>, none when the report is no worker need.</summary>
    public static IEnumerable<LedgerEntry> Of(HubRegistry registry, HazardReport report, string kind, string sourceId, DateTimeOffset at, double? hours = null)
    {
        if (!IsNeed(registry, report.Category))
        {
            return [];
        }

        return
        [
            new LedgerEntry(kind, LedgerScopes.District(report.District), sourceId, at, Hours: hours, Label: report.Category),
            new LedgerEntry(kind, LedgerScopes.Body(report.RecipientId), sourceId, at, Hours: hours, Label: report.Category),
        ];
    }

    /// <summary>
    /// The facts of a need's first answer: <c>need.first-response</c>, and <c>need.answered-within-sla</c>
    /// when it came within the category's <c>slaHours</c> of routing.
    /// </summary>
    public static IEnumerable<LedgerEntry> FirstResponse(HubRegistry registry, HazardReport report, DateTimeOffset at, double hours)
    {
        var sla = registry.FindCategory(report.Category)?.SlaHours ?? HazardCategory.DefaultSlaHours;
        var facts = Of(registry, report, LedgerKinds.NeedFirstResponse, report.HubId, at, hours);
        return hours <= sla ? facts.Concat(Of(registry, report, LedgerKinds.NeedAnsweredWithinSla, report.HubId, at, hours)) : facts;
    }
}
