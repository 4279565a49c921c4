using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;

namespace StationHub.HazardReports;

/// <summary>
/// Open311 GeoReport v2 for city systems: the service list (public), their requests and the
/// status updates (mySociety's <c>servicerequestupdates</c> extension), in <c>.json</c> or
/// <c>.xml</c>. Errors are GeoReport's own: an array of <c>{code, description}</c>.
/// </summary>
public sealed class Open311Api(HubRegistry registry, HazardReportStore store, TimeProvider time, ILogger<Open311Api> logger)
{
    /// <summary>GeoReport v2: at most 90 days per query, at most 1000 requests per answer.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(90);
    public const int MaxRequests = 1000;

    /// <summary>
    /// The dates a query may name: the hub holds nothing from before 2000 or after 2100, and a bound
    /// keeps the window's arithmetic (a date ± 90 days) inside what a date can hold.
    /// </summary>
    public static readonly DateTimeOffset EarliestDate = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <inheritdoc cref="EarliestDate"/>
    public static readonly DateTimeOffset LatestDate = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Who reads requests and updates: a city system or a responsible body, each only the requests sent
    /// to it; refused as GeoReport says (403, in the format asked for).
    /// </summary>
    public static Caller Caller { get; } = Caller.CityKey.RefusedWith((request, _) => Error(Format(request) ?? "json", 403, "A valid api_key of a city system is required."));

    public HubResponse Services(HubRequest request)
    {
        if (Format(request) is not { } format)
        {
            return UnknownFormat();
        }

        var services = registry.HazardCategories
            .Select(c => new Open311Service(c.Code, c.Name, c.Description, false, "realtime", c.Group, c.Group))
            .ToList();
        return format == "json"
            ? HubResponse.Json(StatusCodes.Ok, services, HubJsonContext.Default.ListOpen311Service, CacheHeaders)
            : Xml(StatusCodes.Ok, "services", "service", services.Select(s => new (string, string?)[]
            {
                ("service_code", s.ServiceCode), ("service_name", s.ServiceName), ("description", s.Description),
                ("metadata", "false"), ("type", s.Type), ("keywords", s.Keywords), ("group", s.Group),
            }), CacheHeaders);
    }

    public Task<HubResponse> RequestsAsync(HubRequest request, CancellationToken cancellationToken = default) =>
        GuardAsync(request, RequestsCoreAsync, cancellationToken);

    private async Task<HubResponse> RequestsCoreAsync(HubRequest request, CancellationToken cancellationToken)
    {
        if (Format(request) is not { } format)
        {
            return UnknownFormat();
        }

        var city = request.Caller!;
        var ids = Split(request.Query("service_request_id"));
        if (ids.Count > 0)
        {
            if (ids.Count > MaxRequests)
            {
                return Error(format, 400, $"At most {MaxRequests} service_request_id values per query.");
            }

            var found = new List<Open311Request>();
            foreach (var id in ids)
            {
                if (await FindOwnAsync(id, city.Id, cancellationToken) is { } own)
                {
                    found.Add(own);
                }
            }

            return Requests(format, found);
        }

        var window = Window(request, format);
        if (window.Error is { } error)
        {
            return error;
        }

        var statuses = Split(request.Query("status"));
        if (statuses.Any(s => s is not "open" and not "closed"))
        {
            return Error(format, 400, "status must be open or closed (comma-separated for both).");
        }

        var codes = Split(request.Query("service_code"));
        var list = new List<Open311Request>();
        await foreach (var row in store.QueryCityRequestsAsync(city.Id, window.From, window.To, cancellationToken))
        {
            var status = HazardReportStatuses.FromWire(row.Status) ?? HazardReportStatus.Routed;
            if ((statuses.Count == 0 || statuses.Contains(status.ToOpen311()))
                && (codes.Count == 0 || codes.Contains(row.ServiceCode)))
            {
                list.Add(ToOpen311(row));
                if (list.Count >= MaxRequests)
                {
                    break;
                }
            }
        }

        return Requests(format, list);
    }

    public Task<HubResponse> RequestAsync(HubRequest request, CancellationToken cancellationToken = default) =>
        GuardAsync(request, RequestCoreAsync, cancellationToken);

    private async Task<HubResponse> RequestCoreAsync(HubRequest request, CancellationToken cancellationToken)
    {
        if (Format(request) is not { } format)
        {
            return UnknownFormat();
        }

        var city = request.Caller!;
        return await FindOwnAsync(request.Route("id"), city.Id, cancellationToken) is { } found
            ? Requests(format, [found])
            : Error(format, 404, "No service request of your city has that id.");
    }

    public Task<HubResponse> UpdatesAsync(HubRequest request, CancellationToken cancellationToken = default) =>
        GuardAsync(request, UpdatesCoreAsync, cancellationToken);

    private async Task<HubResponse> UpdatesCoreAsync(HubRequest request, CancellationToken cancellationToken)
    {
        if (Format(request) is not { } format)
        {
            return UnknownFormat();
        }

        var city = request.Caller!;
        var window = Window(request, format);
        if (window.Error is { } error)
        {
            return error;
        }

        var updates = new List<Open311Update>();
        await foreach (var row in store.QueryCityUpdatesAsync(city.Id, window.From, window.To, cancellationToken))
        {
            var status = HazardReportStatuses.FromWire(row.Status) ?? HazardReportStatus.Routed;
            updates.Add(new Open311Update(row.UpdateId, row.HubId, status.ToOpen311(), row.Status, row.Description ?? string.Empty, row.UpdatedAt));
            if (updates.Count >= MaxRequests)
            {
                break;
            }
        }

        return format == "json"
            ? HubResponse.Json(StatusCodes.Ok, updates, HubJsonContext.Default.ListOpen311Update)
            : Xml(StatusCodes.Ok, "service_request_updates", "request_update", updates.Select(u => new (string, string?)[]
            {
                ("update_id", u.UpdateId), ("service_request_id", u.ServiceRequestId), ("status", u.Status),
                ("hub_status", u.HubStatus), ("updated_datetime", Time(u.UpdatedDatetime)), ("description", u.Description),
            }));
    }

    /// <summary>
    /// A failure while answering is still a GeoReport error in the format asked for, never a
    /// problem document a city's Open311 client cannot read: 503 (with Retry-After) when storage
    /// is unreachable, 500 otherwise, logged here without the stack trace leaving the hub.
    /// </summary>
    private async Task<HubResponse> GuardAsync(HubRequest request, Func<HubRequest, CancellationToken, Task<HubResponse>> answer, CancellationToken cancellationToken)
    {
        try
        {
            return await answer(request, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            var format = Format(request) ?? "json";
            Log.Open311Failed(logger, exception, request.Route("format"));
            return HubStorage.IsUnreachable(exception)
                ? Error(format, 503, "Storage is not reachable; retry later.", RetryLater)
                : Error(format, 500, "The hub failed to answer; the failure has been logged.");
        }
    }

    private static readonly IReadOnlyDictionary<string, string> RetryLater = new Dictionary<string, string> { ["Retry-After"] = "5" };

    private static readonly IReadOnlyDictionary<string, string> CacheHeaders = new Dictionary<string, string> { ["Cache-Control"] = "public, max-age=300" };

    private async Task<Open311Request?> FindOwnAsync(string hubId, string cityId, CancellationToken cancellationToken)
    {
        var entity = await store.FindAsync(hubId, cancellationToken);
        if (entity is null || entity.CurrentStatus == HazardReportStatus.Received || entity.LinkedByHub)
        {
            return null;
        }

        var report = entity.ToReport();
        if (report.RecipientId != cityId)
        {
            return null;
        }

        return new Open311Request(
            report.HubId, entity.CurrentStatus.ToOpen311(), entity.StatusNotes, report.Category, ServiceName(report.Category),
            report.Description, registry.AgencyName(report.RecipientId), report.ReceivedAt, entity.UpdatedAt, store.ExpectedAt(entity, report),
            report.Location.Address, report.Location.Lat, report.Location.Lon,
            report.MediaUrls.Count > 0 ? report.MediaUrls[0] : null, entity.Status, entity.LinkedCount, entity.DuplicateOf);
    }

    private Open311Request ToOpen311(CityRequestEntity row)
    {
        var status = HazardReportStatuses.FromWire(row.Status) ?? HazardReportStatus.Routed;
        return new Open311Request(
            row.HubId, status.ToOpen311(), row.StatusNotes, row.ServiceCode, ServiceName(row.ServiceCode), row.Description,
            row.Agency ?? registry.AgencyName(row.PartitionKey[..row.PartitionKey.IndexOf('~', StringComparison.Ordinal)]),
            row.RequestedAt, row.UpdatedAt, row.ExpectedAt, row.Address, row.Lat, row.Lon, row.MediaUrl, row.Status, row.LinkedCount, row.DuplicateOf);
    }

    private string ServiceName(string code) => registry.FindCategory(code)?.Name ?? code;

    private (DateTimeOffset From, DateTimeOffset To, HubResponse? Error) Window(HubRequest request, string format)
    {
        var now = time.GetUtcNow();
        DateTimeOffset? start = null, end = null;
        if (request.Query("start_date") is { } startText)
        {
            if (!IsoTimestamp.TryParse(startText, out var parsed))
            {
                return (default, default, Error(format, 400, "start_date must be an ISO 8601 date and time with a time zone."));
            }

            start = parsed;
        }

        if (request.Query("end_date") is { } endText)
        {
            if (!IsoTimestamp.TryParse(endText, out var parsed))
            {
                return (default, default, Error(format, 400, "end_date must be an ISO 8601 date and time with a time zone."));
            }

            end = parsed;
        }

        if (start is { } first && (first < EarliestDate || first > LatestDate))
        {
            return (default, default, Error(format, 400, DateRangeHint("start_date")));
        }

        if (end is { } last && (last < EarliestDate || last > LatestDate))
        {
            return (default, default, Error(format, 400, DateRangeHint("end_date")));
        }

        var to = end ?? (start is { } s ? s + MaxWindow : now);
        var from = start ?? to - MaxWindow;
        if (from > to)
        {
            return (default, default, Error(format, 400, "start_date must be before end_date."));
        }

        if (to - from > MaxWindow)
        {
            return (default, default, Error(format, 400, "A query spans at most 90 days."));
        }

        // end_date is inclusive in GeoReport; the store reads [from, to).
        return (from, to.AddTicks(TimeSpan.TicksPerMillisecond), null);
    }

    private static string DateRangeHint(string name) =>
        $"{name} must lie between {IsoTimestamp.Format(EarliestDate)} and {IsoTimestamp.Format(LatestDate)}.";

    private static string? Format(HubRequest request) => request.Route("format") switch
    {
        "json" => "json",
        "xml" => "xml",
        _ => null,
    };

    private static HubResponse UnknownFormat() => Error("json", 404, "Ask for .json or .xml.");

    private static HubResponse Requests(string format, List<Open311Request> list) =>
        format == "json"
            ? HubResponse.Json(StatusCodes.Ok, list, HubJsonContext.Default.ListOpen311Request)
            : Xml(StatusCodes.Ok, "service_requests", "request", list.Select(r => new (string, string?)[]
            {
                // GeoReport v2's elements in its order, then the hub's extensions.
                ("service_request_id", r.ServiceRequestId), ("status", r.Status), ("status_notes", r.StatusNotes),
                ("service_name", r.ServiceName), ("service_code", r.ServiceCode), ("description", r.Description),
                ("agency_responsible", r.AgencyResponsible),
                ("requested_datetime", Time(r.RequestedDatetime)), ("updated_datetime", Time(r.UpdatedDatetime)),
                ("expected_datetime", r.ExpectedDatetime is { } expected ? Time(expected) : null),
                ("address", r.Address), ("lat", Number(r.Lat)), ("long", Number(r.Long)), ("media_url", r.MediaUrl),
                ("hub_status", r.HubStatus), ("linked_reports", r.LinkedReports.ToString(CultureInfo.InvariantCulture)),
                ("duplicate_of", r.DuplicateOf),
            }));

    public static HubResponse Error(string format, int status, string description, IReadOnlyDictionary<string, string>? headers = null)
    {
        var errors = new List<Open311Error> { new(status, description) };
        return format == "xml"
            ? Xml(status, "errors", "error", errors.Select(e => new (string, string?)[] { ("code", e.Code.ToString(CultureInfo.InvariantCulture)), ("description", e.Description) }), headers)
            : HubResponse.Json(status, errors, HubJsonContext.Default.ListOpen311Error, headers);
    }

    private static HubResponse Xml(int status, string root, string item, IEnumerable<(string Name, string? Value)[]> rows, IReadOnlyDictionary<string, string>? headers = null)
    {
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false };
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement(root);
            foreach (var row in rows)
            {
                writer.WriteStartElement(item);
                foreach (var (name, value) in row)
                {
                    writer.WriteElementString(name, value ?? string.Empty);
                }

                writer.WriteEndElement();
            }

            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        return new HubResponse(status, HubResponse.XmlContentType, buffer.ToArray(), headers);
    }

    private static string Time(DateTimeOffset value) => IsoTimestamp.Format(value);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static List<string> Split(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

public sealed record Open311Service(
    [property: JsonPropertyName("service_code")] string ServiceCode,
    [property: JsonPropertyName("service_name")] string ServiceName,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("metadata")] bool Metadata,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("keywords")] string Keywords,
    [property: JsonPropertyName("group")] string Group);

public sealed record Open311Request(
    [property: JsonPropertyName("service_request_id")] string ServiceRequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("status_notes")] string? StatusNotes,
    [property: JsonPropertyName("service_code")] string ServiceCode,
    [property: JsonPropertyName("service_name")] string ServiceName,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("agency_responsible")] string AgencyResponsible,
    [property: JsonPropertyName("requested_datetime")] DateTimeOffset RequestedDatetime,
    [property: JsonPropertyName("updated_datetime")] DateTimeOffset UpdatedDatetime,
    [property: JsonPropertyName("expected_datetime")] DateTimeOffset? ExpectedDatetime,
    [property: JsonPropertyName("address")] string? Address,
    [property: JsonPropertyName("lat")] double Lat,
    [property: JsonPropertyName("long")] double Long,
    [property: JsonPropertyName("media_url")] string? MediaUrl,
    [property: JsonPropertyName("hub_status")] string HubStatus,
    [property: JsonPropertyName("linked_reports")] int LinkedReports,
    [property: JsonPropertyName("duplicate_of")] string? DuplicateOf);

public sealed record Open311Update(
    [property: JsonPropertyName("update_id")] string UpdateId,
    [property: JsonPropertyName("service_request_id")] string ServiceRequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("hub_status")] string HubStatus,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("updated_datetime")] DateTimeOffset UpdatedDatetime);

public sealed record Open311Error(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("description")] string Description);
