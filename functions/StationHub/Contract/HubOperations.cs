using System.Text.Json.Nodes;
using StationHub.GigWork;
using StationHub.Delivery;
using StationHub.HazardReports;
using StationHub.PickupOrders;
using StationHub.Points;
using StationHub.Stations;
using StationHub.Triggers;
using static StationHub.Contract.ApiAnswer;

namespace StationHub.Contract;

/// <summary>
/// The OpenAPI description of every HTTP row of the trigger table but the catch-all, keyed by function
/// name. A row without a description here, or a description without a row, fails the document's build
/// (and the test that compares the document with the table).
/// </summary>
public static class HubOperations
{
    private const string PlatformsTag = "Platforms";
    private const string StationsTag = "Stations";
    private const string CitiesTag = "City systems";
    private const string LedgerTag = "Public ledger";
    private const string AdminTag = "Administrators";
    private const string ContractTag = "Contract";

    /// <summary>The tags of the operations, with what each groups.</summary>
    public static IReadOnlyDictionary<string, string> Tags { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [PlatformsTag] = "Delivery and e-commerce platforms: signed webhooks in, and what they may read back.",
        [StationsTag] = "Station staff: parcels, vouchers and live status; the warm map of stations (public).",
        [CitiesTag] = "City management systems: Open311 GeoReport v2 pull, and status updates.",
        [LedgerTag] = "The public, hash-chained ledger of each day.",
        [AdminTag] = "Dead letters and replay; the outbound endpoints' lifecycle (pause, resume, recover).",
        [ContractTag] = "This document.",
    };

    private static readonly ApiParameter IfNoneMatch = new("If-None-Match", "An ETag from an earlier answer: 304 when nothing changed.", HubSchemas.String());

    private static readonly ApiParameter IdempotencyKeyHeader = new(Platform.Http.IdempotencyKey.Header,
        "Optional, 1-255 printable ASCII characters (a Structured Field string or a bare token), the station's own: a retry of this request "
        + "(after a timeout or a 503) sends the same key and body and gets the first answer, byte for byte, done once; the key on another request is a 422.",
        HubSchemas.String());

    private static readonly ApiParameter[] Open311Window =
    [
        new("start_date", "ISO 8601 date and time with a time zone; default: end_date less 90 days.", HubSchemas.Timestamp()),
        new("end_date", "ISO 8601 date and time with a time zone (inclusive); default: start_date plus 90 days, or now.", HubSchemas.Timestamp()),
    ];

    // Declared before All, which reads them as it is built.
    private static readonly Dictionary<string, string> CacheHeaders = new(StringComparer.Ordinal)
    {
        ["Cache-Control"] = "How long the answer may be kept.",
        ["ETag"] = "The answer's version, for If-None-Match.",
    };

    public static IReadOnlyList<ApiOperation> All { get; } =
    [
        // Platforms: webhooks in, and what they may read back
        new(FunctionNames.HazardReportReceived, PlatformsTag, Caller.PlatformWebhook, "Report a hazard",
            "A courier's hazard report (hazard_report.created), routed to the city whose districts contain it, or to the body the city sends its category to; "
            + "a report of an open one's category within its duplicateRadiusMeters and duplicateWindowDays is linked to it and not sent again: decided behind the queue, after the 202, shown as duplicateOf in the status resource and told to the platform as hazard_report.linked. "
            + "hazard_report.reopened sends a resolved report back within the category's reopenWindowDays.")
        {
            RequestBody = HubSchemas.Envelope(
                [HazardReportIntake.CreatedType, HazardReportIntake.ReopenedType],
                new System.Text.Json.Nodes.JsonObject { ["anyOf"] = new System.Text.Json.Nodes.JsonArray(HubSchemas.HazardReportCreated, HubSchemas.HazardReportReopened) }),
            Answers =
            [
                .. WebhookAnswers(HubSchemas.WebhookAnswer),
                Problem(409, "A reopening of a report that is not resolved, or resolved longer ago than the category's reopenWindowDays."),
            ],
        },
        new(FunctionNames.HazardReportStatus, PlatformsTag, Caller.Platform, "Read one of your hazard reports",
            "The report's status and the city's updates so far.")
        {
            Answers = [Json(200, "The report.", HubSchemas.HazardReportView), Problem(401, "No valid platform key."), Problem(404, "None of your reports has that id.")],
        },
        new(FunctionNames.PickupOrderReceived, PlatformsTag, Caller.PlatformWebhook, "Create or cancel a pickup order",
            "pickup_order.created or pickup_order.cancelled; the station is told when the parcel is expected.")
        {
            RequestBody = HubSchemas.Envelope([PickupOrderIntake.CreatedType, PickupOrderIntake.CancelledType], HubSchemas.PickupOrderChange),
            Answers = [.. WebhookAnswers(HubSchemas.WebhookAnswer), Problem(409, "The order can no longer be cancelled.")],
        },
        new(FunctionNames.PickupOrderStatus, PlatformsTag, Caller.Platform, "Read one of your pickup orders", "The order's status and times.")
        {
            Answers = [Json(200, "The order.", HubSchemas.PickupOrderView), Problem(401, "No valid platform key."), Problem(404, "None of your orders has that id.")],
        },
        new(FunctionNames.PointsTransactionReceived, PlatformsTag, Caller.PlatformWebhook, "Earn, redeem or reverse points",
            "points.earned, points.redeemed or points.reversed; a redemption answers with its voucher code.")
        {
            RequestBody = HubSchemas.Envelope([PointsIntake.EarnedType, PointsIntake.RedeemedType, PointsIntake.ReversedType], HubSchemas.PointsTransaction),
            Answers = [.. WebhookAnswers(HubSchemas.PointsAnswer), Problem(409, "The transaction was rejected (not enough points, unknown task or reward, nothing to reverse).")],
        },
        new(FunctionNames.GigWorkReceived, PlatformsTag, Caller.PlatformWebhook, "Report gig work: jobs and matches",
            "gig_job.posted and gig_match.made|completed|paid|cancelled, in any order: an event that needs an earlier one waits for it; an impossible sequence is rejected with a recorded reason.")
        {
            RequestBody = HubSchemas.Envelope(GigWorkTypes.Accepted, HubSchemas.GigWorkData),
            Answers = [.. WebhookAnswers(HubSchemas.WebhookAnswer)],
        },
        new(FunctionNames.GigWorkStatus, PlatformsTag, Caller.Platform, "Read what became of a gig-work event", "received, pending (waiting for an earlier event), applied, or rejected with its reason.")
        {
            Answers = [Json(200, "The event.", HubSchemas.GigEventView), Problem(401, "No valid platform key."), Problem(404, "You have no gig-work event with that id.")],
        },
        new(FunctionNames.GigWorkStations, LedgerTag, Caller.Public, "Gig-work stations: the policy year so far and its subsidy",
            "Per station under a subsidy policy: workers wanted, matches and the subsidy they earn (fen, capped), beside matches completed and paid and their shares.")
        {
            Answers = [Json(200, "The stations.", HubSchemas.GigWorkStandingsView)],
        },
        new(FunctionNames.GigWorkPolicies, LedgerTag, Caller.Public, "Gig-work subsidy policies, as published",
            "Each policy: its id and version (each day's ledger names the version its subsidy figures were computed under), the districts, the policy year's start, the counting basis (made, completed or paid), the tiers, the cap per station and year (fen), and the bounds of the signals the ledger page marks a station beyond.")
        {
            Answers = [Json(200, "The policies.", HubSchemas.GigWorkPoliciesView)],
        },
        new(FunctionNames.CourierPoints, PlatformsTag, Caller.Platform, "Read a courier's points", "Balance and history of one of your couriers.")
        {
            Answers = [Json(200, "The courier's points.", HubSchemas.CourierPointsView), Problem(401, "No valid platform key."), Problem(404, "No courier of yours has that id.")],
        },

        // Stations
        new(FunctionNames.PickupOrderArrival, StationsTag, Caller.Station, "Mark a parcel arrived",
            "The hub makes the pickup code and sends it to the platform (pickup_order.ready). Repeating it is harmless. "
            + "Send an Idempotency-Key, and a retry gets the first answer.")
        {
            Headers = [IdempotencyKeyHeader],
            Answers = [Json(200, "The order, arrived.", HubSchemas.PickupOrderView), Problem(400, "The Idempotency-Key header is not valid."), .. StationRefusals(), Problem(409, "The order cannot arrive now."), KeyReused()],
        },
        new(FunctionNames.PickupOrderCollection, StationsTag, Caller.Station, "Hand a parcel over against its code",
            $"A wrong code is a 403; after {StationActions.MaxWrongCodes} wrong codes the order is locked (423) until staff unlock it. "
            + "Send an Idempotency-Key: a retry of a collection that went through (its answer lost, or a 503) gets the first answer, not a 409.")
        {
            Headers = [IdempotencyKeyHeader],
            RequestBody = HubSchemas.PickupCollection,
            Answers =
            [
                Json(200, "The order, collected.", HubSchemas.PickupOrderView),
                Problem(400, "The body is not valid."),
                .. StationRefusals(),
                Problem(409, "Only an arrived order can be collected."),
                Problem(413, "The body is over 64 KiB."),
                Problem(415, "The body is not UTF-8 application/json."),
                Problem(422, "The Idempotency-Key was used for another request."),
                Problem(423, "The order is locked by wrong codes."),
            ],
        },
        new(FunctionNames.PickupOrderUnlock, StationsTag, Caller.Station, "Unlock an order locked by wrong codes", "Clears the wrong-code count. Takes an Idempotency-Key as the other station actions do.")
        {
            Headers = [IdempotencyKeyHeader],
            Answers = [Json(200, "The order, unlocked.", HubSchemas.PickupOrderView), Problem(400, "The Idempotency-Key header is not valid."), .. StationRefusals(), KeyReused()],
        },
        new(FunctionNames.VoucherRedemption, StationsTag, Caller.Station, "Settle a points voucher", "Settles the redemption a platform made for a courier.")
        {
            Answers =
            [
                Json(200, "The voucher, settled.", HubSchemas.VoucherAnswer),
                Problem(401, "No valid station key."),
                Problem(403, "The key belongs to another station."),
                Problem(404, "No voucher has that code."),
                Problem(409, "The voucher was already settled, or cannot be settled."),
                Problem(410, "The voucher has expired and its points went back."),
            ],
        },

        new(FunctionNames.StationStatusReport, StationsTag, Caller.Station, "Report the station's live status",
            "Open or closed, free chargers and seats, as observed; an observation no newer than the stored one changes nothing (applied: false).")
        {
            RequestBody = HubSchemas.StationStatusReport,
            Answers =
            [
                Json(200, "The station's status after the report.", HubSchemas.StationStatusView),
                Problem(400, "The body is not valid (errors per field)."),
                Problem(401, "No valid station key."),
                Problem(403, "The key belongs to another station."),
                Problem(404, "No station has that id."),
                Problem(413, "The body is over 64 KiB."),
                Problem(415, "The body is not UTF-8 application/json."),
            ],
        },
        new(FunctionNames.StationStatusReceived, PlatformsTag, Caller.PlatformWebhook, "Report a station's live status (station.status)",
            "From the platform that runs the station's door and chargers (its statusPlatform in the registry). Answered 200 once written, not 202.")
        {
            RequestBody = HubSchemas.Envelope([StationStatusIntake.WebhookType], HubSchemas.StationStatusWebhook),
            Answers =
            [
                Json(200, "The station's status after the report.", HubSchemas.StationStatusView),
                Problem(400, "Bad JSON, envelope or fields (errors per field)."),
                Problem(401, "Bad or stale signature."),
                Problem(403, "The platform does not run that station's status."),
                Problem(404, "No platform is registered with that id."),
                Problem(413, "The body is over 64 KiB."),
                Problem(415, "The body is not UTF-8 application/json."),
                Problem(429, "Over the platform's rate; retry after Retry-After seconds."),
            ],
        },
        new(FunctionNames.StationsMap, StationsTag, Caller.Public, "The warm map: stations as GeoJSON",
            "Every station with its services, hours and live status; filters bbox, near (nearest first, with distanceMeters), limit, openNow, service.")
        {
            Query =
            [
                new("bbox", "west,south,east,north in degrees.", HubSchemas.String()),
                new("near", "lat,lon: sorts by distance and adds distanceMeters.", HubSchemas.String()),
                new("limit", "1 to 10000, default 100.", HubSchemas.String("^[0-9]+$")),
                new("openNow", "true or false.", HubSchemas.String(null, "true", "false")),
                new("service", "Service codes, comma-separated: stations with all of them.", HubSchemas.String()),
            ],
            Headers = [IfNoneMatch],
            Answers = [GeoJson(200, "The stations.", HubSchemas.StationMap) with { Headers = CacheHeaders }, NotModified(), Problem(400, "A filter is not valid (errors per parameter).")],
        },
        new(FunctionNames.StationsMapPage, StationsTag, Caller.Public, "The warm map as a page",
            "Every station, open, closed or stale, with free chargers, hours, services, freshness and three navigation links; the list works with no script. near lists the nearest open stations first; with Map:TileUrl set, a street map (Leaflet, served by the hub); the status refreshes live.")
        {
            Query =
            [
                new("near", "lat,lon: the nearest stations first (open ones unless openNow=false).", HubSchemas.String()),
                new("service", "Service codes, comma-separated: stations with all of them.", HubSchemas.String()),
                new("openNow", "true or false.", HubSchemas.String(null, "true", "false")),
                new("lang", "zh or en; else Accept-Language.", HubSchemas.String(null, "zh", "en")),
            ],
            Answers = [new(200, "The page.", BodyKind.Html)],
        },
        new(FunctionNames.StationsMapAssets, StationsTag, Caller.Public, "A file of the map page",
            "The page's script and style sheet and Leaflet's (leaflet.js, leaflet.css, map.js, map.css), served by the hub itself; ?v= names the version the page links to.")
        {
            Answers = [new(200, "The file (JavaScript or CSS).", BodyKind.PageFile), NotModified(), Problem(404, "No such file.")],
        },

        // City systems
        new(FunctionNames.Open311Services, CitiesTag, Caller.Public, "List the hazard categories as Open311 services", "GeoReport v2 service list.")
        {
            Answers = [Open311(200, "The services.", HubSchemas.ArrayOf(HubSchemas.Open311Service)), Open311Error(404, "The format is neither json nor xml.")],
        },
        new(FunctionNames.Open311Requests, CitiesTag, Caller.City, "List your city's service requests",
            "GeoReport v2: at most 90 days per query and 1000 requests per answer; hub_status is the hub's extension.")
        {
            Query =
            [
                .. Open311Window,
                new("status", "open, closed, or both comma-separated.", HubSchemas.String()),
                new("service_code", "Comma-separated service codes.", HubSchemas.String()),
                new("service_request_id", "Comma-separated ids; when given, the other filters are ignored.", HubSchemas.String()),
            ],
            Answers = [Open311(200, "The requests.", HubSchemas.ArrayOf(HubSchemas.Open311Request)), .. Open311Refusals()],
        },
        new(FunctionNames.Open311Request, CitiesTag, Caller.City, "Read one of your city's service requests", "GeoReport v2: an array of one request.")
        {
            Answers =
            [
                Open311(200, "The request, as an array of one.", HubSchemas.ArrayOf(HubSchemas.Open311Request)),
                Open311Error(403, "No valid city key."),
                Open311Error(404, "No request of your city has that id, or the format is neither json nor xml."),
            ],
        },
        new(FunctionNames.Open311RequestUpdates, CitiesTag, Caller.City, "List the status updates of your city's requests",
            "mySociety's servicerequestupdates extension of GeoReport v2.")
        {
            Query = Open311Window,
            Answers = [Open311(200, "The updates.", HubSchemas.ArrayOf(HubSchemas.Open311Update)), .. Open311Refusals()],
        },
        new(FunctionNames.CityUpdateReceived, CitiesTag, Caller.City, "Update one of your city's requests",
            "Idempotent by updateId; an update that goes backwards is a 409. Resolving a report as valid earns the courier its points.")
        {
            RequestBody = HubSchemas.CityUpdate,
            Answers =
            [
                Json(200, "The update is applied (or was already).", HubSchemas.CityUpdateAnswer),
                Problem(400, "The body is not valid."),
                Problem(401, "No valid city key."),
                Problem(404, "No request of your city has that id."),
                Problem(409, "The update would go backwards."),
                Problem(413, "The body is over 64 KiB."),
                Problem(415, "The body is not UTF-8 application/json."),
            ],
        },

        // The public ledger
        new(FunctionNames.LedgerDays, LedgerTag, Caller.Public, "List the sealed days", "Each sealed day with its hash and the previous day's.")
        {
            Headers = [IfNoneMatch],
            Answers = [Json(200, "The sealed days, oldest first.", HubSchemas.ArrayOf(HubSchemas.LedgerDayLink)) with { Headers = CacheHeaders }, NotModified()],
        },
        new(FunctionNames.LedgerDay, LedgerTag, Caller.Public, "Read a day's summary",
            "A sealed day exactly as sealed (cacheable for ever), or today's draft. No personal data.")
        {
            Headers = [IfNoneMatch],
            Answers = [Json(200, "The day.", HubSchemas.LedgerDay) with { Headers = CacheHeaders }, NotModified(), Problem(400, "The date is not yyyy-MM-dd."), Problem(404, "The ledger has no such day.")],
        },
        new(FunctionNames.LedgerProof, LedgerTag, Caller.Public, "Prove a figure is in a sealed day", "An RFC 9162 inclusion proof of one figure.")
        {
            Query =
            [
                new("scope", "The figure's scope, e.g. station~st-hz-01.", HubSchemas.String(), Required: true),
                new("kind", "The figure's kind, e.g. pickup.collected.", HubSchemas.String(), Required: true),
            ],
            Answers = [Json(200, "The proof.", HubSchemas.LedgerProof), Problem(400, "The date is not yyyy-MM-dd, or scope or kind is missing."), Problem(404, "The day is not sealed, or has no such figure.")],
        },
        new(FunctionNames.LedgerCheckpointKey, LedgerTag, Caller.Public, "The hub's verifier key",
            "The C2SP signed-note verifier key (Ed25519) that signs the ledger's checkpoints.")
        {
            Answers = [new(200, "The verifier key.", BodyKind.Text)],
        },
        new(FunctionNames.LedgerCheckpoint, LedgerTag, Caller.Public, "The latest signed checkpoint",
            "A C2SP tlog-checkpoint of the tree over every sealed day, signed by the hub, with the witnesses' cosignatures appended.")
        {
            Answers = [new(200, "The signed note.", BodyKind.Text), Problem(404, "No day has been sealed into the tree yet.")],
        },
        new(FunctionNames.LedgerDayCheckpoint, LedgerTag, Caller.Public, "A sealed day's signed checkpoint", "The checkpoint made right after the day was added to the tree.")
        {
            Answers = [new(200, "The signed note.", BodyKind.Text), Problem(400, "The date is not yyyy-MM-dd."), Problem(404, "The day is not sealed, or not yet in the tree.")],
        },
        new(FunctionNames.LedgerConsistency, LedgerTag, Caller.Public, "Prove one tree size extends another", "An RFC 9162 consistency proof between two tree sizes.")
        {
            Query =
            [
                new("from", "The older tree size (0 or more).", HubSchemas.String("^[0-9]+$"), Required: true),
                new("to", "The newer tree size (at most the tree's size).", HubSchemas.String("^[0-9]+$"), Required: true),
            ],
            Answers = [Json(200, "The proof (hex hashes).", HubSchemas.LedgerConsistency), Problem(400, "The sizes are missing, not whole numbers, out of order or beyond the tree.")],
        },
        new(FunctionNames.LedgerPage, LedgerTag, Caller.Public, "The ledger as a page", "The public ledger for people, with charts: reports by district and, beside them, worker needs heard and answered by district and body; every share with its sample, and a share of fewer than 10 cases marked too few to judge.")
        {
            Answers = [new(200, "The page.", BodyKind.Html)],
        },

        // Administrators
        new(FunctionNames.DeadLettersList, AdminTag, Caller.Admin, "List the dead letters", "Deliveries that failed their last try.")
        {
            Query = [new("includeReplayed", "true to list the replayed ones too.", HubSchemas.String(null, "true", "false"))],
            Answers = [Json(200, "The dead letters.", HubSchemas.ArrayOf(HubSchemas.DeadLetterView)), Problem(401, "No valid administrator key.")],
        },
        new(FunctionNames.DeadLetterReplay, AdminTag, Caller.Admin, "Replay a dead letter", "Queues the delivery again, with its webhook-id.")
        {
            Answers =
            [
                Json(202, "The delivery is queued again.", HubSchemas.DeadLetterView),
                Problem(401, "No valid administrator key."),
                Problem(404, "No dead letter has that id."),
                Problem(409, "The dead letter was already replayed."),
            ],
        },

        new(FunctionNames.EndpointsList, AdminTag, Caller.Admin, "List the outbound endpoints",
            "Every destination of the registry (cities, platforms), with its state (active, paused, disabled), last success, failures and the deliveries waiting for it.")
        {
            Answers = [Json(200, "The endpoints.", HubSchemas.ArrayOf(HubSchemas.EndpointView)), Problem(401, "No valid administrator key.")],
        },
        new(FunctionNames.EndpointPause, AdminTag, Caller.Admin, "Pause an endpoint",
            "Deliveries to it wait, none dropped, until it is resumed. The id is a kind and a registry id, such as city:hangzhou.")
        {
            Answers = [Json(200, "The endpoint, paused.", HubSchemas.EndpointView), Problem(401, "No valid administrator key."), Problem(404, "No endpoint has that id.")],
        },
        new(FunctionNames.EndpointResume, AdminTag, Caller.Admin, "Resume a paused or disabled endpoint",
            "It becomes active, its failure streak starts afresh, and every delivery that waited is queued again, each once.")
        {
            Answers = [Json(200, "The endpoint, active.", HubSchemas.EndpointView), Problem(401, "No valid administrator key."), Problem(404, "No endpoint has that id.")],
        },
        new(FunctionNames.EndpointRecover, AdminTag, Caller.Admin, "Replay an endpoint's dead letters since a time",
            $"Queues again, from the first try, each of the endpoint's dead letters not yet replayed that failed at or after since (at most {EndpointAdmin.MaxRecovered} a call; more says to call again).")
        {
            Query = [new("since", "ISO 8601 date and time with a time zone, not in the future.", HubSchemas.Timestamp(), Required: true)],
            Answers =
            [
                Json(202, "The dead letters are queued again.", HubSchemas.EndpointRecovery),
                Problem(400, "since is missing, not a time, or in the future."),
                Problem(401, "No valid administrator key."),
                Problem(404, "No endpoint has that id."),
            ],
        },

        // This document
        new(FunctionNames.OpenApiDocument, ContractTag, Caller.Public, "This OpenAPI 3.1 document",
            "Every route of the hub and every event it sends (webhooks), generated from the trigger table.")
        {
            Answers = [Json(200, "The document.", OpenApiDocumentSchema()) with { Headers = CacheHeaders }],
        },
    ];

    private static JsonNode OpenApiDocumentSchema() => JsonNode.Parse("""
        {
          "type": "object",
          "required": ["openapi", "info", "paths", "webhooks"],
          "properties": {
            "openapi": { "type": "string", "pattern": "^3\\.1\\." },
            "info": { "type": "object" },
            "paths": { "type": "object" },
            "webhooks": { "type": "object" },
            "components": { "type": "object" }
          }
        }
        """)!;

    private static ApiAnswer NotModified() => new(304, "Nothing changed since the ETag given.", BodyKind.None);

    private static IEnumerable<ApiAnswer> WebhookAnswers(JsonNode answer)
    {
        var location = new Dictionary<string, string>(StringComparer.Ordinal) { ["Location"] = "Where to read the item's status." };
        yield return Json(202, "Stored durably and queued.", answer) with { Headers = location };
        yield return Json(200, "The same webhook-id or the same item again: the first answer, nothing done twice.", answer) with { Headers = location };
        yield return Problem(400, "Bad JSON, envelope or fields (errors per field).");
        yield return Problem(401, "Bad or stale signature.");
        yield return Problem(404, "No platform is registered with that id (or, for a cancellation, no such order; for a reopening, no such report).");
        yield return Problem(413, "The body is over 64 KiB.");
        yield return Problem(415, "The body is not UTF-8 application/json.");
        yield return Problem(429, "Over the platform's rate; retry after Retry-After seconds.") with
        {
            Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Retry-After"] = "Seconds to wait." },
        };
    }

    private static ApiAnswer KeyReused() => Problem(422, "The Idempotency-Key was used for another request.");

    private static IEnumerable<ApiAnswer> StationRefusals()
    {
        yield return Problem(401, "No valid station key.");
        yield return Problem(403, "The key belongs to another station (or, for a collection, the code is wrong).");
        yield return Problem(404, "No order of this station has that id.");
    }

    private static IEnumerable<ApiAnswer> Open311Refusals()
    {
        yield return Open311Error(400, "A bad filter, or a window over 90 days.");
        yield return Open311Error(403, "No valid city key.");
        yield return Open311Error(404, "The format is neither json nor xml.");
    }
}
