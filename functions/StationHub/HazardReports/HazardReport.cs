using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using StationHub.Platform;
using StationHub.Platform.Security;

namespace StationHub.HazardReports;

/// <summary>A hazard report as the hub keeps it: the courier already replaced by a pseudonym.</summary>
public sealed record HazardReport(
    string HubId,
    string PlatformId,
    string ReportId,
    string CourierPseudonym,
    string Category,
    string Description,
    GeoLocation Location,
    string District,
    string CityId,
    IReadOnlyList<string> MediaUrls,
    DateTimeOffset ObservedAt,
    DateTimeOffset ReceivedAt,
    string? BodyId = null)
{
    /// <summary>Who answers the report: the responsible body the city sends its category to, else the city.</summary>
    [JsonIgnore]
    public string RecipientId => BodyId ?? CityId;

    /// <summary>The recipient's own scope of pseudonyms: each city and body sees its own reporter ids.</summary>
    [JsonIgnore]
    public string RecipientKey => BodyId is null ? "city:" + CityId : "body:" + BodyId;

    [JsonIgnore]
    public Delivery.Destination Recipient => BodyId is null ? Delivery.Destination.City(CityId) : Delivery.Destination.Body(BodyId);

    /// <summary>
    /// The hub's id for a platform's report: the same (platform, reportId) always gives the same
    /// id, which is what makes intake idempotent by the platform's item id. Keyed (HMAC with
    /// <see cref="HubIdKey"/>), so nobody can tell from an id which report id it names.
    /// </summary>
    public static string HubIdFor(HubIdKey key, string platformId, string reportId)
    {
        ArgumentNullException.ThrowIfNull(key);
        return "hr-" + Base32.Lower(key.Hash("hazard-report", platformId, reportId).AsSpan(0, 15));
    }

    /// <summary>
    /// The id reports had before ids were keyed: an unkeyed SHA-256 of (platform, reportId). Reports
    /// stored under it keep it (every route that takes an id finds them as before); only a lookup by
    /// the platform's reportId (a reopening) tries it after the keyed id.
    /// </summary>
    public static string LegacyHubIdFor(string platformId, string reportId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{platformId}\n{reportId}"));
        return "hr-" + Base32.Lower(hash.AsSpan(0, 15));
    }

    /// <summary>True for a string of the form <see cref="HubIdFor"/> makes; anything else names no report.</summary>
    public static bool IsHubId(string? value) =>
        value is { Length: 27 } && value.StartsWith("hr-", StringComparison.Ordinal)
        && value.AsSpan(3).IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyz234567") < 0;
}

public sealed record GeoLocation(double Lat, double Lon, string? Address);

/// <summary>Where a report stands. Moves only forward; resolved and rejected are final.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HazardReportStatus>))]
public enum HazardReportStatus
{
    [JsonStringEnumMemberName("received")] Received,
    [JsonStringEnumMemberName("routed")] Routed,
    [JsonStringEnumMemberName("acknowledged")] Acknowledged,
    [JsonStringEnumMemberName("in_progress")] InProgress,
    [JsonStringEnumMemberName("resolved")] Resolved,
    [JsonStringEnumMemberName("rejected")] Rejected,

    /// <summary>Not a report's status: a city's update linking the report to another (<c>duplicateOf</c>).</summary>
    [JsonStringEnumMemberName("duplicate")] Duplicate,

    /// <summary>Not a report's status: the platform reopening a resolved report (it is routed again).</summary>
    [JsonStringEnumMemberName("reopened")] Reopened,
}

public static class HazardReportStatuses
{
    public static string ToWire(this HazardReportStatus status) => status switch
    {
        HazardReportStatus.Received => "received",
        HazardReportStatus.Routed => "routed",
        HazardReportStatus.Acknowledged => "acknowledged",
        HazardReportStatus.InProgress => "in_progress",
        HazardReportStatus.Resolved => "resolved",
        HazardReportStatus.Rejected => "rejected",
        HazardReportStatus.Duplicate => "duplicate",
        HazardReportStatus.Reopened => "reopened",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static HazardReportStatus? FromWire(string? text) => text switch
    {
        "received" => HazardReportStatus.Received,
        "routed" => HazardReportStatus.Routed,
        "acknowledged" => HazardReportStatus.Acknowledged,
        "in_progress" => HazardReportStatus.InProgress,
        "resolved" => HazardReportStatus.Resolved,
        "rejected" => HazardReportStatus.Rejected,
        "duplicate" => HazardReportStatus.Duplicate,
        "reopened" => HazardReportStatus.Reopened,
        _ => null,
    };

    public static bool IsFinal(this HazardReportStatus status) =>
        status is HazardReportStatus.Resolved or HazardReportStatus.Rejected;

    /// <summary>Open311's two states: closed once the city resolved or rejected it.</summary>
    public static string ToOpen311(this HazardReportStatus status) => status.IsFinal() ? "closed" : "open";

    /// <summary>
    /// Whether a city may move a report from <paramref name="from"/> to <paramref name="to"/>:
    /// forward only, the same non-final status again (a new note) allowed, nothing after final.
    /// </summary>
    public static bool CityMayMove(HazardReportStatus from, HazardReportStatus to) =>
        to is HazardReportStatus.Duplicate ? from >= HazardReportStatus.Routed && !from.IsFinal()
        : to is HazardReportStatus.Reopened ? from == HazardReportStatus.Resolved
        : to >= HazardReportStatus.Acknowledged
        && from >= HazardReportStatus.Routed
        && !from.IsFinal()
        && Rank(to) >= Rank(from);

    private static int Rank(HazardReportStatus status) => status switch
    {
        HazardReportStatus.Rejected => (int)HazardReportStatus.Resolved,
        _ => (int)status,
    };
}
