using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;

namespace StationHub.HazardReports;

/// <summary>
/// What a city receives for a routed report: only the fields it needs, with Open311 field names,
/// and the courier as the pseudonym made for that city alone.
/// </summary>
public static class CityPayloads
{
    public static JsonElement Routed(HazardReport report, ReportEntity entity, HubRegistry registry, string reporterId, bool escalated)
    {
        var category = registry.FindCategory(report.Category);
        var agency = registry.AgencyName(report.RecipientId);
        var expected = (entity.RoutedAt ?? report.ReceivedAt) + (category?.Sla ?? TimeSpan.FromHours(HazardCategory.DefaultSlaHours));
        if (registry.DeliveryOf(report.RecipientId)?.Format == CityDeliveryFormat.Open311)
        {
            // GeoReport v2 POST Service Request fields; hub data as attributes.
            var form = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["service_code"] = report.Category,
                ["lat"] = report.Location.Lat.ToString("R", CultureInfo.InvariantCulture),
                ["long"] = report.Location.Lon.ToString("R", CultureInfo.InvariantCulture),
                ["description"] = report.Description,
                ["account_id"] = reporterId,
                ["attribute[hub_request_id]"] = report.HubId,
                ["attribute[district]"] = report.District,
                ["attribute[escalated]"] = escalated ? "true" : "false",
                ["attribute[agency_responsible]"] = agency,
                ["attribute[expected_datetime]"] = IsoTimestamp.Format(expected),
                ["attribute[linked_reports]"] = entity.LinkedCount.ToString(CultureInfo.InvariantCulture),
            };
            if (report.Location.Address is { } address)
            {
                form["address_string"] = address;
            }

            if (report.MediaUrls.Count > 0)
            {
                form["media_url"] = report.MediaUrls[0];
            }

            return JsonSerializer.SerializeToElement(form, HubJsonContext.Default.DictionaryStringString);
        }

        return JsonSerializer.SerializeToElement(
            new RoutedRequest(
                report.HubId,
                "open",
                HazardReportStatus.Routed.ToWire(),
                report.Category,
                category?.Name ?? report.Category,
                report.Description,
                report.ReceivedAt,
                report.ObservedAt,
                report.Location.Address,
                report.Location.Lat,
                report.Location.Lon,
                report.MediaUrls.Count > 0 ? report.MediaUrls[0] : null,
                report.MediaUrls,
                report.District,
                reporterId,
                escalated,
                agency,
                expected,
                entity.LinkedCount),
            HubJsonContext.Default.RoutedRequest);
    }

    /// <summary>The <c>data</c> of <c>hazard_report.reopened</c> (form fields for an Open311 recipient, as mySociety's update extension names them).</summary>
    public static JsonElement Reopened(HazardReport report, ReportEntity entity, CityUpdate reopening, HubRegistry registry) =>
        JsonSerializer.SerializeToElement(
            new ReportReopenedEvent(
                report.HubId,
                reopening.UpdateId,
                "open",
                HazardReportStatus.Routed.ToWire(),
                reopening.Note,
                reopening.UpdatedAt,
                reopening.ReceivedAt,
                entity.Reopenings,
                registry.AgencyName(report.RecipientId),
                reopening.ReceivedAt + (registry.FindCategory(report.Category)?.Sla ?? TimeSpan.FromHours(HazardCategory.DefaultSlaHours))),
            HubJsonContext.Default.ReportReopenedEvent);
}

/// <summary>The <c>data</c> of <c>hazard_report.routed</c>: Open311 names, plus hub extensions.</summary>
public sealed record RoutedRequest(
    [property: JsonPropertyName("service_request_id")] string ServiceRequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("hub_status")] string HubStatus,
    [property: JsonPropertyName("service_code")] string ServiceCode,
    [property: JsonPropertyName("service_name")] string ServiceName,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("requested_datetime")] DateTimeOffset RequestedDatetime,
    [property: JsonPropertyName("observed_datetime")] DateTimeOffset ObservedDatetime,
    [property: JsonPropertyName("address")] string? Address,
    [property: JsonPropertyName("lat")] double Lat,
    [property: JsonPropertyName("long")] double Long,
    [property: JsonPropertyName("media_url")] string? MediaUrl,
    [property: JsonPropertyName("media_urls")] IReadOnlyList<string> MediaUrls,
    [property: JsonPropertyName("district")] string District,
    [property: JsonPropertyName("reporter_id")] string ReporterId,
    [property: JsonPropertyName("escalated")] bool Escalated,
    [property: JsonPropertyName("agency_responsible")] string AgencyResponsible,
    [property: JsonPropertyName("expected_datetime")] DateTimeOffset ExpectedDatetime,
    [property: JsonPropertyName("linked_reports")] int LinkedReports);

/// <summary>The <c>data</c> of <c>hazard_report.reopened</c>, sent to the report's recipient.</summary>
public sealed record ReportReopenedEvent(
    [property: JsonPropertyName("service_request_id")] string ServiceRequestId,
    [property: JsonPropertyName("update_id")] string UpdateId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("hub_status")] string HubStatus,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("observed_datetime")] DateTimeOffset ObservedDatetime,
    [property: JsonPropertyName("updated_datetime")] DateTimeOffset UpdatedDatetime,
    [property: JsonPropertyName("reopenings")] int Reopenings,
    [property: JsonPropertyName("agency_responsible")] string AgencyResponsible,
    [property: JsonPropertyName("expected_datetime")] DateTimeOffset ExpectedDatetime);

/// <summary>
/// The <c>data</c> of <c>hazard_report.linked</c>, sent to the reporting platform once the hub has linked
/// its report to an open original (<c>duplicateOf</c>, the original's hub id): it is not sent to the
/// recipient again, and it hears the original's updates under its own <c>reportId</c>.
/// </summary>
public sealed record ReportLinkedEvent(string HubId, string ReportId, string DuplicateOf, DateTimeOffset LinkedAt);

/// <summary>The <c>data</c> of <c>hazard_report.updated</c>, sent to the reporting platform.</summary>
public sealed record ReportUpdatedEvent(
    string HubId,
    string ReportId,
    string Status,
    string? Note,
    DateTimeOffset UpdatedAt,
    string UpdateId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DuplicateOf = null);
