using System.Text.Json.Nodes;

namespace StationHub.Contract;

// The OpenAPI description of the trigger table's HTTP rows, kept beside them and keyed by function
// name (each flow module's Operations): who may call, what goes in and what comes back. OpenApiContract joins these
// with the rows' own methods and routes, so the document's paths cannot drift from what is served.

/// <summary>Who calls a route, and how the caller proves it, as the document describes it (from the row's <see cref="Platform.Security.Caller"/>).</summary>
public enum ApiCaller
{
    /// <summary>Anyone; no key.</summary>
    Public,

    /// <summary>A platform's webhook: a Standard Webhooks signature (<c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature</c>).</summary>
    PlatformWebhook,

    /// <summary>A platform's <c>x-api-key</c>.</summary>
    Platform,

    /// <summary>A city system's <c>x-api-key</c> (or <c>api_key</c> in the query, as Open311 allows).</summary>
    City,

    /// <summary>A station's <c>x-api-key</c>.</summary>
    Station,

    /// <summary>An administrator's <c>x-api-key</c>.</summary>
    Admin,
}

/// <summary>How an answer's body is written.</summary>
public enum BodyKind
{
    /// <summary>No body (<c>304</c>).</summary>
    None,

    /// <summary><c>application/json</c> with <see cref="ApiAnswer.Schema"/>.</summary>
    Json,

    /// <summary>An RFC 9457 <c>application/problem+json</c> document.</summary>
    Problem,

    /// <summary>GeoReport v2: <c>.json</c> with <see cref="ApiAnswer.Schema"/> or <c>.xml</c>, as the route's <c>{format}</c> asks.</summary>
    Open311,

    /// <summary>A file of a page: <c>text/javascript</c> or <c>text/css</c>.</summary>
    PageFile,

    /// <summary>GeoReport v2's error array <c>[{code, description}]</c>, in the format asked for.</summary>
    Open311Error,

    /// <summary>A page for people (<c>text/html</c>).</summary>
    Html,

    /// <summary>RFC 7946 GeoJSON (<c>application/geo+json</c>) with <see cref="ApiAnswer.Schema"/>.</summary>
    GeoJson,

    /// <summary>Plain text (<c>text/plain</c>): a C2SP signed note or a verifier key.</summary>
    Text,
}

/// <summary>One answer of a route: its status, what it means and its body.</summary>
public sealed record ApiAnswer(int Status, string Description, BodyKind Body, JsonNode? Schema = null)
{
    /// <summary>Response headers the answer carries, by name, with what each means.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public static ApiAnswer Json(int status, string description, JsonNode schema) => new(status, description, BodyKind.Json, schema);

    public static ApiAnswer Problem(int status, string description) => new(status, description, BodyKind.Problem);

    public static ApiAnswer GeoJson(int status, string description, JsonNode schema) => new(status, description, BodyKind.GeoJson, schema);

    public static ApiAnswer Open311(int status, string description, JsonNode schema) => new(status, description, BodyKind.Open311, schema);

    public static ApiAnswer Open311Error(int status, string description) => new(status, description, BodyKind.Open311Error);
}

/// <summary>A query or header parameter (path parameters come from the route's template).</summary>
public sealed record ApiParameter(string Name, string Description, JsonNode Schema, bool Required = false);

/// <summary>The OpenAPI description of one HTTP row of the trigger table, declared beside the row in its flow's module (who may call is the row's).</summary>
public sealed record ApiOperation(string Function, string Tag, string Summary, string Description)
{
    public IReadOnlyList<ApiParameter> Query { get; init; } = [];

    public IReadOnlyList<ApiParameter> Headers { get; init; } = [];

    /// <summary>The JSON request body's schema, or null when the route reads no body.</summary>
    public JsonNode? RequestBody { get; init; }

    public IReadOnlyList<ApiAnswer> Answers { get; init; } = [];
}

/// <summary>An event the hub sends to a city or a platform: its type and the schema of its <c>data</c>.</summary>
public sealed record ApiEvent(string Type, string Recipient, string Summary, JsonNode Data);

/// <summary>
/// What the flows' OpenAPI text shares: the tags (grouped by who calls, not by flow), and the answers
/// and parameters many routes have.
/// </summary>
public static class ApiShapes
{
    public const string PlatformsTag = "Platforms";
    public const string StationsTag = "Stations";
    public const string CitiesTag = "City systems";
    public const string LedgerTag = "Public ledger";
    public const string AdminTag = "Administrators";
    public const string ContractTag = "Contract";

    /// <summary>The tags of the operations, with what each groups.</summary>
    public static IReadOnlyDictionary<string, string> Tags { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [PlatformsTag] = "Delivery and e-commerce platforms: signed webhooks in, and what they may read back.",
        [StationsTag] = "Station staff: parcels, vouchers and live status; the warm map of stations (public).",
        [CitiesTag] = "City management systems: Open311 GeoReport v2 pull, and status updates.",
        [LedgerTag] = "The public, hash-chained ledger of each day.",
        [AdminTag] = "Dead letters and replay; the outbound endpoints' lifecycle (pause, resume, recover); the registry of tenants (cities, bodies, platforms, stations, witnesses, subsidy policies).",
        [ContractTag] = "This document.",
    };

    public static ApiParameter IfNoneMatch { get; } = new("If-None-Match", "An ETag from an earlier answer: 304 when nothing changed.", HubSchemas.String());

    public static IReadOnlyDictionary<string, string> CacheHeaders { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Cache-Control"] = "How long the answer may be kept.",
        ["ETag"] = "The answer's version, for If-None-Match.",
    };

    public static ApiAnswer NotModified() => new(304, "Nothing changed since the ETag given.", BodyKind.None);

    /// <summary>The answers of a signed platform webhook that is stored and queued (202, or 200 for the same item again).</summary>
    public static IEnumerable<ApiAnswer> WebhookAnswers(JsonNode answer)
    {
        var location = new Dictionary<string, string>(StringComparer.Ordinal) { ["Location"] = "Where to read the item's status." };
        yield return ApiAnswer.Json(202, "Stored durably and queued.", answer) with { Headers = location };
        yield return ApiAnswer.Json(200, "The same webhook-id or the same item again: the first answer, nothing done twice.", answer) with { Headers = location };
        yield return ApiAnswer.Problem(400, "Bad JSON, envelope or fields (errors per field).");
        yield return ApiAnswer.Problem(401, "Bad or stale signature.");
        yield return ApiAnswer.Problem(404, "No platform is registered with that id (or, for a cancellation, no such order; for a reopening, no such report).");
        yield return ApiAnswer.Problem(413, "The body is over 64 KiB.");
        yield return ApiAnswer.Problem(415, "The body is not UTF-8 application/json.");
        yield return ApiAnswer.Problem(429, "Over the platform's rate; retry after Retry-After seconds.") with
        {
            Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Retry-After"] = "Seconds to wait." },
        };
    }
}
