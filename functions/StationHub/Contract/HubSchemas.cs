using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using StationHub.Platform.Json;

namespace StationHub.Contract;

/// <summary>
/// The JSON Schemas (2020-12, as OpenAPI 3.1 takes them) of the hub's bodies, each a named component.
/// Bodies the hub writes with <see cref="HubJsonContext"/> are exported from their records
/// (<see cref="JsonSchemaExporter"/>), so a changed record changes its schema; bodies the hub reads
/// field by field (the webhooks in, a city's update) are written here once, with the intake's limits.
/// </summary>
public static class HubSchemas
{
    private const string ComponentPrefix = "#/components/schemas/";

    private static readonly JsonSchemaExporterOptions ExporterOptions = new()
    {
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = (context, schema) =>
            // Times go through UtcTimestampConverter, a custom converter the exporter cannot see into.
            context.TypeInfo.Type == typeof(DateTimeOffset) ? Timestamp()
            : context.TypeInfo.Type == typeof(DateTimeOffset?) ? new JsonObject { ["type"] = new JsonArray("string", "null"), ["format"] = "date-time" }
            : AsWritten(schema),
    };

    private static readonly Dictionary<string, Func<JsonNode>> Definitions = new(StringComparer.Ordinal)
    {
        [nameof(Problem)] = () => Export(HubJsonContext.Default.Problem),
        [nameof(Open311Error)] = () => Export(HubJsonContext.Default.Open311Error),
        [nameof(WebhookAnswer)] = () => Export(HubJsonContext.Default.WebhookAnswer),
        [nameof(PointsAnswer)] = () => Export(HubJsonContext.Default.PointsAnswer),
        [nameof(HazardReportView)] = () => Export(HubJsonContext.Default.HazardReportView),
        [nameof(PickupOrderView)] = () => Export(HubJsonContext.Default.PickupOrderView),
        [nameof(CourierPointsView)] = () => Export(HubJsonContext.Default.CourierPointsView),
        [nameof(VoucherAnswer)] = () => Export(HubJsonContext.Default.VoucherAnswer),
        [nameof(CityUpdateAnswer)] = () => Export(HubJsonContext.Default.CityUpdateAnswer),
        [nameof(Open311Service)] = () => Export(HubJsonContext.Default.Open311Service),
        [nameof(Open311Request)] = () => Export(HubJsonContext.Default.Open311Request),
        [nameof(Open311Update)] = () => Export(HubJsonContext.Default.Open311Update),
        [nameof(LedgerDayLink)] = () => Export(HubJsonContext.Default.LedgerDayLink),
        [nameof(LedgerProof)] = () => Export(HubJsonContext.Default.LedgerProof),
        [nameof(DeadLetterView)] = () => Export(HubJsonContext.Default.DeadLetterView),
        [nameof(EndpointView)] = () => Export(HubJsonContext.Default.EndpointView),
        [nameof(EndpointRecovery)] = () => Export(HubJsonContext.Default.EndpointRecovery),
        [nameof(EndpointDisabledNotice)] = () => Export(HubJsonContext.Default.EndpointDisabledNotice),
        [nameof(RoutedRequest)] = () => Export(HubJsonContext.Default.RoutedRequest),
        [nameof(ReportReopenedEvent)] = () => Export(HubJsonContext.Default.ReportReopenedEvent),
        [nameof(ReportUpdatedEvent)] = () => Export(HubJsonContext.Default.ReportUpdatedEvent),
        [nameof(ReportLinkedEvent)] = () => Export(HubJsonContext.Default.ReportLinkedEvent),
        [nameof(PickupOrderNotice)] = () => Export(HubJsonContext.Default.PickupOrderNotice),
        [nameof(BalanceChangedNotice)] = () => Export(HubJsonContext.Default.BalanceChangedNotice),
        [nameof(SocialTimeNotice)] = () => Export(HubJsonContext.Default.SocialTimeNotice),
        [nameof(PointsRejectedNotice)] = () => Export(HubJsonContext.Default.PointsRejectedNotice),
        [nameof(StationStatusView)] = () => Export(HubJsonContext.Default.StationStatusView),
        [nameof(LedgerConsistency)] = () => Export(HubJsonContext.Default.LedgerConsistency),
        [nameof(GigEventView)] = () => Export(HubJsonContext.Default.GigEventView),
        [nameof(GigWorkStandingsView)] = () => Export(HubJsonContext.Default.GigWorkStandingsView),
        [nameof(GigWorkPoliciesView)] = () => Export(HubJsonContext.Default.GigWorkPoliciesView),
        [nameof(PaymentOverdueNotice)] = () => Export(HubJsonContext.Default.PaymentOverdueNotice),
        [nameof(GigWorkData)] = () => Parse("""
            {
              "type": "object",
              "description": "gig_job.posted: jobId, stationId, workersWanted, trade, postedAt, payFen?; gig_match.made: matchId, jobId, workerId, matchedAt; gig_match.completed: matchId, completedAt; gig_match.paid: matchId, paidAt, amountFen; gig_match.cancelled: matchId, reason. The workerId is replaced on receipt by a keyed pseudonym.",
              "properties": {
                "jobId": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" },
                "matchId": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" },
                "stationId": { "type": "string" },
                "workersWanted": { "type": "integer", "minimum": 1 },
                "trade": { "type": "string" },
                "payFen": { "type": "integer", "minimum": 0 },
                "workerId": { "type": "string", "minLength": 1, "maxLength": 128 },
                "postedAt": { "type": "string", "format": "date-time" },
                "matchedAt": { "type": "string", "format": "date-time" },
                "completedAt": { "type": "string", "format": "date-time" },
                "paidAt": { "type": "string", "format": "date-time" },
                "amountFen": { "type": "integer", "minimum": 0 },
                "reason": { "type": "string" }
              }
            }
            """),
        [nameof(StationStatusNotice)] = () => Export(HubJsonContext.Default.StationStatusNotice),
        [nameof(StationStatusReport)] = () => Parse("""
            {
              "type": "object",
              "required": ["open", "chargers", "observedAt"],
              "properties": {
                "open": { "type": "boolean" },
                "chargers": { "$ref": "#/components/schemas/Places" },
                "seats": { "$ref": "#/components/schemas/Places" },
                "observedAt": { "type": "string", "format": "date-time", "description": "An observation older than the stored one changes nothing." }
              }
            }
            """),
        [nameof(StationStatusWebhook)] = () => Parse("""
            {
              "type": "object",
              "required": ["stationId", "open", "chargers", "observedAt"],
              "properties": {
                "stationId": { "type": "string", "description": "A station whose registry entry names this platform as its statusPlatform." },
                "open": { "type": "boolean" },
                "chargers": { "$ref": "#/components/schemas/Places" },
                "seats": { "$ref": "#/components/schemas/Places" },
                "observedAt": { "type": "string", "format": "date-time" }
              }
            }
            """),
        [nameof(Places)] = () => Parse("""
            {
              "type": "object",
              "required": ["free", "total"],
              "properties": {
                "free": { "type": "integer", "minimum": 0 },
                "total": { "type": "integer", "minimum": 0 }
              }
            }
            """),
        [nameof(StationMap)] = () => Parse("""
            {
              "type": "object",
              "description": "An RFC 7946 GeoJSON FeatureCollection of stations (Point geometry, [lon, lat]).",
              "required": ["type", "features"],
              "properties": {
                "type": { "const": "FeatureCollection" },
                "features": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": ["type", "id", "geometry", "properties"],
                    "properties": {
                      "type": { "const": "Feature" },
                      "id": { "type": "string" },
                      "geometry": {
                        "type": ["object", "null"],
                        "required": ["type", "coordinates"],
                        "properties": {
                          "type": { "const": "Point" },
                          "coordinates": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 2 }
                        }
                      },
                      "properties": {
                        "type": "object",
                        "required": ["id", "name", "district", "services", "status", "openNow", "chargers", "stale"],
                        "properties": {
                          "id": { "type": "string" },
                          "name": { "type": "string" },
                          "district": { "type": "string" },
                          "address": { "type": ["string", "null"] },
                          "services": { "type": "array", "items": { "type": "object", "required": ["code", "name"], "properties": { "code": { "type": "string" }, "name": { "type": "string" }, "kind": { "type": "string" } } } },
                          "openingHours": { "type": ["string", "null"], "description": "OpenStreetMap opening_hours (a documented subset)." },
                          "status": { "type": "string" },
                          "openNow": { "type": "boolean", "description": "The schedule and the live status together." },
                          "scheduledOpen": { "type": ["boolean", "null"] },
                          "chargers": { "type": "object", "properties": { "free": { "type": ["integer", "null"] }, "total": { "type": ["integer", "null"] } } },
                          "seats": { "type": ["object", "null"], "properties": { "free": { "type": ["integer", "null"] }, "total": { "type": ["integer", "null"] } } },
                          "lastUpdated": { "type": ["string", "null"], "format": "date-time" },
                          "stale": { "type": "boolean", "description": "No report for Stations:StaleAfter: free counts are unknown (null)." },
                          "distanceMeters": { "type": "number", "description": "With near= only." }
                        }
                      }
                    }
                  }
                }
              }
            }
            """),
        [nameof(LedgerDay)] = () => Parse("""
            {
              "type": "object",
              "description": "A day's summary, exactly as published; once sealed, its hash is the SHA-256 (hex) of its RFC 8785 canonical JSON without 'hash'.",
              "required": ["date", "timeZone", "sealed", "prevHash", "figures", "leafCount", "merkleRoot"],
              "properties": {
                "date": { "type": "string", "format": "date" },
                "timeZone": { "type": "string", "description": "The IANA zone of the day." },
                "sealed": { "type": "boolean", "description": "False for today's draft, which changes until it is sealed." },
                "prevHash": { "type": "string", "description": "The previous sealed day's hash (hex)." },
                "hash": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                "figures": {
                  "type": "object",
                  "description": "Per scope (station~id, district~code, body~id, total), per kind: a count, a sum or a share. A share (kind ending -bp, basis points) carries its sample size beside it in the same scope (e.g. report.ack-within-24h-sample, need.answered-within-sla-sample, station.night-minutes). Worker needs are counted apart as need.* (received, first-response, answered-within-sla, resolved, reopened) by district and by responsible body (body~id: the body, else the city; totals leave body scopes out). report.resolved-held and need.resolved-held are resolved less reopened: a reopening takes back the resolution it undoes.",
                  "additionalProperties": { "type": "object", "additionalProperties": { "type": "integer" } }
                },
                "leafCount": { "type": "integer", "minimum": 0 },
                "merkleRoot": { "type": "string", "pattern": "^[0-9a-f]{64}$" }
              }
            }
            """),
        [nameof(Location)] = () => Parse("""
            {
              "type": "object",
              "required": ["lat", "lon"],
              "properties": {
                "lat": { "type": "number", "minimum": -90, "maximum": 90 },
                "lon": { "type": "number", "minimum": -180, "maximum": 180 },
                "address": { "type": "string", "maxLength": 500 }
              }
            }
            """),
        [nameof(HazardReportCreated)] = () => Parse("""
            {
              "type": "object",
              "required": ["reportId", "courierId", "category", "description", "location", "observedAt"],
              "properties": {
                "reportId": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "The platform's own id of the report." },
                "courierId": { "type": "string", "minLength": 1, "maxLength": 128, "description": "Replaced on receipt by a keyed pseudonym." },
                "category": { "type": "string", "maxLength": 64, "description": "A service_code of GET /api/v1/open311/services.json." },
                "description": { "type": "string", "maxLength": 2000 },
                "location": { "$ref": "#/components/schemas/Location" },
                "district": { "type": "string", "pattern": "^[0-9]{6}$", "description": "GB/T 2260 code; resolved from the location when absent." },
                "mediaUrls": { "type": "array", "maxItems": 5, "items": { "type": "string", "format": "uri", "pattern": "^https://" } },
                "observedAt": { "type": "string", "format": "date-time" }
              }
            }
            """),
        [nameof(HazardReportReopened)] = () => Parse("""
            {
              "type": "object",
              "description": "hazard_report.reopened: a resolved report is not fixed; accepted within the category's reopenWindowDays of resolution (409 otherwise).",
              "required": ["reportId", "note", "observedAt"],
              "properties": {
                "reportId": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "The platform's own id of the resolved report." },
                "note": { "type": "string", "minLength": 1, "maxLength": 2000 },
                "observedAt": { "type": "string", "format": "date-time" }
              }
            }
            """),
        [nameof(PickupOrderChange)] = () => Parse("""
            {
              "type": "object",
              "description": "pickup_order.created carries every field; pickup_order.cancelled needs only orderId.",
              "required": ["orderId"],
              "properties": {
                "orderId": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" },
                "stationId": { "type": "string" },
                "parcels": { "type": "integer", "minimum": 1 },
                "handlingFeeFen": { "type": "integer", "minimum": 0 },
                "commissionFen": { "type": "integer", "minimum": 0 },
                "expectedArrival": { "type": "string", "format": "date-time" },
                "pickupWithinHours": { "type": "integer", "minimum": 1, "default": 72 }
              }
            }
            """),
        [nameof(PointsTransaction)] = () => Parse("""
            {
              "type": "object",
              "description": "points.earned names a task, points.redeemed a reward, points.reversed in reference the transactionId it reverses; the points come from the catalog, never from the caller.",
              "required": ["transactionId", "courierId"],
              "properties": {
                "transactionId": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" },
                "courierId": { "type": "string", "minLength": 1, "maxLength": 128 },
                "task": { "type": "string", "maxLength": 64 },
                "reward": { "type": "string", "maxLength": 64 },
                "stationId": { "type": "string" },
                "reference": { "type": "string", "maxLength": 128 }
              }
            }
            """),
        [nameof(CityUpdate)] = () => Parse("""
            {
              "type": "object",
              "required": ["updateId", "status", "updatedAt"],
              "properties": {
                "updateId": { "type": "string", "minLength": 1, "description": "The city's own id of the update; a repeat is answered as the first time." },
                "status": { "type": "string", "enum": ["acknowledged", "in_progress", "resolved", "rejected", "duplicate"] },
                "duplicateOf": { "type": "string", "pattern": "^hr-[a-z2-7]{24}$", "description": "With status duplicate only: the service_request_id of another of your open requests this one repeats." },
                "note": { "type": "string", "maxLength": 2000 },
                "updatedAt": { "type": "string", "format": "date-time" }
              }
            }
            """),
        [nameof(PickupCollection)] = () => Parse("""
            {
              "type": "object",
              "required": ["pickupCode"],
              "properties": { "pickupCode": { "type": "string", "pattern": "^[0-9]{6}$" } }
            }
            """),
    };

    public static JsonNode Problem => Ref(nameof(Problem));

    public static JsonNode Open311Error => Ref(nameof(Open311Error));

    public static JsonNode WebhookAnswer => Ref(nameof(WebhookAnswer));

    public static JsonNode PointsAnswer => Ref(nameof(PointsAnswer));

    public static JsonNode HazardReportView => Ref(nameof(HazardReportView));

    public static JsonNode PickupOrderView => Ref(nameof(PickupOrderView));

    public static JsonNode CourierPointsView => Ref(nameof(CourierPointsView));

    public static JsonNode VoucherAnswer => Ref(nameof(VoucherAnswer));

    public static JsonNode CityUpdateAnswer => Ref(nameof(CityUpdateAnswer));

    public static JsonNode Open311Service => Ref(nameof(Open311Service));

    public static JsonNode Open311Request => Ref(nameof(Open311Request));

    public static JsonNode Open311Update => Ref(nameof(Open311Update));

    public static JsonNode LedgerDayLink => Ref(nameof(LedgerDayLink));

    public static JsonNode LedgerDay => Ref(nameof(LedgerDay));

    public static JsonNode LedgerProof => Ref(nameof(LedgerProof));

    public static JsonNode DeadLetterView => Ref(nameof(DeadLetterView));

    public static JsonNode EndpointView => Ref(nameof(EndpointView));

    public static JsonNode EndpointRecovery => Ref(nameof(EndpointRecovery));

    public static JsonNode EndpointDisabledNotice => Ref(nameof(EndpointDisabledNotice));

    public static JsonNode RoutedRequest => Ref(nameof(RoutedRequest));

    public static JsonNode ReportReopenedEvent => Ref(nameof(ReportReopenedEvent));

    public static JsonNode HazardReportReopened => Ref(nameof(HazardReportReopened));

    public static JsonNode ReportUpdatedEvent => Ref(nameof(ReportUpdatedEvent));

    public static JsonNode ReportLinkedEvent => Ref(nameof(ReportLinkedEvent));

    public static JsonNode PickupOrderNotice => Ref(nameof(PickupOrderNotice));

    public static JsonNode BalanceChangedNotice => Ref(nameof(BalanceChangedNotice));

    public static JsonNode SocialTimeNotice => Ref(nameof(SocialTimeNotice));

    public static JsonNode PointsRejectedNotice => Ref(nameof(PointsRejectedNotice));

    public static JsonNode StationStatusView => Ref(nameof(StationStatusView));

    public static JsonNode LedgerConsistency => Ref(nameof(LedgerConsistency));

    public static JsonNode GigEventView => Ref(nameof(GigEventView));

    public static JsonNode GigWorkStandingsView => Ref(nameof(GigWorkStandingsView));

    public static JsonNode GigWorkPoliciesView => Ref(nameof(GigWorkPoliciesView));

    public static JsonNode PaymentOverdueNotice => Ref(nameof(PaymentOverdueNotice));

    public static JsonNode GigWorkData => Ref(nameof(GigWorkData));

    public static JsonNode StationStatusNotice => Ref(nameof(StationStatusNotice));

    public static JsonNode StationStatusReport => Ref(nameof(StationStatusReport));

    public static JsonNode StationStatusWebhook => Ref(nameof(StationStatusWebhook));

    public static JsonNode Places => Ref(nameof(Places));

    public static JsonNode StationMap => Ref(nameof(StationMap));

    public static JsonNode Location => Ref(nameof(Location));

    public static JsonNode HazardReportCreated => Ref(nameof(HazardReportCreated));

    public static JsonNode PickupOrderChange => Ref(nameof(PickupOrderChange));

    public static JsonNode PointsTransaction => Ref(nameof(PointsTransaction));

    public static JsonNode CityUpdate => Ref(nameof(CityUpdate));

    public static JsonNode PickupCollection => Ref(nameof(PickupCollection));

    /// <summary>Every named schema, freshly built: what the document's <c>components.schemas</c> holds.</summary>
    public static IReadOnlyDictionary<string, JsonNode> Components() =>
        Definitions.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToDictionary(pair => pair.Key, pair => pair.Value(), StringComparer.Ordinal);

    public static JsonNode ArrayOf(JsonNode items) => new JsonObject { ["type"] = "array", ["items"] = items.DeepClone() };

    public static JsonNode String(string? pattern = null, params string[] values)
    {
        var schema = new JsonObject { ["type"] = "string" };
        if (pattern is not null)
        {
            schema["pattern"] = pattern;
        }

        if (values.Length > 0)
        {
            schema["enum"] = new JsonArray([.. values.Select(value => JsonValue.Create(value))]);
        }

        return schema;
    }

    public static JsonNode Timestamp() => new JsonObject { ["type"] = "string", ["format"] = "date-time" };

    /// <summary>A Standard Webhooks envelope <c>{type, timestamp, data}</c> of the given types.</summary>
    public static JsonNode Envelope(IEnumerable<string> types, JsonNode data) => new JsonObject
    {
        ["type"] = "object",
        ["required"] = new JsonArray("type", "timestamp", "data"),
        ["properties"] = new JsonObject
        {
            ["type"] = String(null, [.. types]),
            ["timestamp"] = Timestamp(),
            ["data"] = data.DeepClone(),
        },
    };

    private static JsonObject Ref(string name) =>
        Definitions.ContainsKey(name)
            ? new JsonObject { ["$ref"] = ComponentPrefix + name }
            : throw new InvalidOperationException($"No schema is named {name}.");

    /// <summary>
    /// Web defaults read numbers from strings too, so the exporter allows <c>["integer", "string"]</c>
    /// with a digits pattern; the hub always writes numbers, and the schema says what it writes.
    /// </summary>
    private static JsonNode AsWritten(JsonNode schema)
    {
        if (schema is JsonObject { } node && node["type"] is JsonArray types && node.ContainsKey("pattern")
            && types.Any(type => type?.GetValue<string>() is "integer" or "number"))
        {
            var numeric = types.Select(type => type!.GetValue<string>()).Where(type => type != "string").ToList();
            node["type"] = numeric.Count == 1 ? JsonValue.Create(numeric[0]) : new JsonArray([.. numeric.Select(type => JsonValue.Create(type))]);
            node.Remove("pattern");
        }

        return schema;
    }

    private static JsonNode Export<T>(JsonTypeInfo<T> typeInfo) => typeInfo.GetJsonSchemaAsNode(ExporterOptions);

    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;
}
