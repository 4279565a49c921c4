using StationHub.GigWork;
using StationHub.Delivery;
using StationHub.HazardReports;
using StationHub.PickupOrders;
using StationHub.Points;
using StationHub.Stations;

namespace StationHub.Contract;

/// <summary>
/// Every event the hub sends, with the schema of its <c>data</c>: the document's <c>webhooks</c>.
/// Each is a signed Standard Webhooks POST of <c>{type, timestamp, data}</c> to the recipient's endpoint
/// in the registry, retried with backoff, with a stable <c>webhook-id</c> across retries.
/// </summary>
public static class HubEvents
{
    public static IReadOnlyList<ApiEvent> All { get; } =
    [
        new(HazardReportEvents.Routed, "city",
            "A report routed to the city whose districts contain it (again, with escalated true, when the city has not acknowledged it within 24 hours). "
            + "A city whose registry entry says open311 gets a GeoReport v2 POST Service Request (form fields) instead.",
            HubSchemas.RoutedRequest),
        new(HazardReportEvents.Updated, "platform",
            "A city's (or responsible body's) status update on one of the platform's reports; a report linked to an original hears the original's updates under its own reportId.",
            HubSchemas.ReportUpdatedEvent),
        new(HazardReportEvents.Linked, "platform",
            "The hub linked the platform's report to an open original of the same category within the category's duplicateRadiusMeters and duplicateWindowDays "
            + "(duplicateOf: the original's hubId). Decided behind the queue, after the 202; the report is not sent to the city again and hears the original's updates.",
            HubSchemas.ReportLinkedEvent),
        new(HazardReportEvents.Reopened, "city",
            "The platform reopened a resolved report: it is with the city (or body) again, and its SLA clock starts again. An Open311 recipient gets the same fields as a form POST.",
            HubSchemas.ReportReopenedEvent),
        new(PickupOrderEvents.Ready, "platform", "The parcel arrived at the station; data carries the pickup code.", HubSchemas.PickupOrderNotice),
        new(PickupOrderEvents.Collected, "platform", "The parcel was handed over.", HubSchemas.PickupOrderNotice),
        new(PickupOrderEvents.Expired, "platform", "The parcel was not collected within its pickup window.", HubSchemas.PickupOrderNotice),
        new(PointsEvents.BalanceChanged, "platform", "A courier's points changed (earned, redeemed, reversed, released).", HubSchemas.BalanceChangedNotice),
        new(PointsEvents.SocialTimeCredited, "platform", "Working time a task cost the courier, which the platform can excuse (late orders).", HubSchemas.SocialTimeNotice),
        new(PointsEvents.Rejected, "platform", "A points transaction the hub could not apply.", HubSchemas.PointsRejectedNotice),
        new(GigWorkTypes.PaymentOverdue, "platform", "A match completed but not paid within 2 hours, once per match, so the worker's wage does not quietly slip.", HubSchemas.PaymentOverdueNotice),
        new(StationStatusBook.StatusChanged, "platform",
            "A station opened, closed, went stale, or its free chargers went from none to some or back (to platforms that subscribe).",
            HubSchemas.StationStatusNotice),
        new(EndpointEvents.Disabled, "administrator",
            "A destination failed without a success for Delivery:DisableAfter (default 5 days) and was disabled; its deliveries wait until it is resumed. "
            + "Sent to the registry's admin.webhookUrl, signed with Secrets:Admin:SigningSecret.",
            HubSchemas.EndpointDisabledNotice),
    ];
}
