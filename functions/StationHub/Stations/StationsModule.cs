using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Contract;
using StationHub.Ledger;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Triggers;
using static StationHub.Contract.ApiAnswer;
using static StationHub.Contract.ApiShapes;

namespace StationHub.Stations
{
    /// <summary>The warm map: live status in, the map out (GeoJSON and page), the platforms' notices, the stale watch and the ledger figures.</summary>
    public sealed class StationsModule : FlowModule
    {
        public override LedgerSection? LedgerSection { get; } = new StationLedgerSection();

        public override IEnumerable<string> RegistryProblems(RegistryDocument document) => StationRegistry.Problems(document);

        public override IReadOnlyList<TriggerFunction> Functions { get; } =
        [
            HttpFunction.Put<StationStatusIntake>(FunctionNames.StationStatusReport, Routes.StationStatus, Caller.StationKey, (intake, request, ct) => intake.PutAsync(request, ct)),
            HttpFunction.Webhook<StationStatusIntake>(FunctionNames.StationStatusReceived, Routes.PlatformStationStatus),
            HttpFunction.Get<StationMapApi>(FunctionNames.StationsMap, Routes.Stations, Caller.Public, (api, request, ct) => api.HandleAsync(request, ct)),
            HttpFunction.Get<StationMapPage>(FunctionNames.StationsMapPage, Routes.StationsMapPage, Caller.Public, (page, request, ct) => page.HandleAsync(request, ct)),
            HttpFunction.Get<StationMapAssets>(FunctionNames.StationsMapAssets, Routes.StationsMapAssets, Caller.Public, (assets, request, _) => Task.FromResult(assets.Handle(request))),
            QueueFunction.For<StationNotices>(FunctionNames.SendStationNotices, Queues.StationNotices, (notices, message, ct) => notices.HandleAsync(message, ct)),
            TimerFunction.For<StationWatch>(FunctionNames.MarkStaleStations, Schedules.MarkStaleStations, (watch, ct) => watch.MarkStaleAsync(ct)),
            TimerFunction.For<StationWatch>(FunctionNames.PublishStationFigures, Schedules.PublishStationFigures, (watch, ct) => watch.PublishFiguresAsync(ct)),
        ];

        public override IReadOnlyList<ApiOperation> Operations =>
        [
            new(FunctionNames.StationStatusReport, StationsTag, "Report the station's live status",
                "Open or closed, free chargers and seats, as observed; an observation no newer than the stored one changes nothing (applied: false).")
            {
                RequestBody = HubSchemas.Ref("StationStatusReport"),
                Answers =
                [
                    Json(200, "The station's status after the report.", HubSchemas.Ref("StationStatusView")),
                    Problem(400, "The body is not valid (errors per field)."),
                    Problem(401, "No valid station key."),
                    Problem(403, "The key belongs to another station."),
                    Problem(404, "No station has that id."),
                    Problem(413, "The body is over 64 KiB."),
                    Problem(415, "The body is not UTF-8 application/json."),
                ],
            },
            new(FunctionNames.StationStatusReceived, PlatformsTag, "Report a station's live status (station.status)",
                "From the platform that runs the station's door and chargers (its statusPlatform in the registry). Answered 200 once written, not 202.")
            {
                RequestBody = HubSchemas.Envelope([StationStatusIntake.WebhookType], HubSchemas.Ref("StationStatusWebhook")),
                Answers =
                [
                    Json(200, "The station's status after the report.", HubSchemas.Ref("StationStatusView")),
                    Problem(400, "Bad JSON, envelope or fields (errors per field)."),
                    Problem(401, "Bad or stale signature."),
                    Problem(403, "The platform does not run that station's status."),
                    Problem(404, "No platform is registered with that id."),
                    Problem(413, "The body is over 64 KiB."),
                    Problem(415, "The body is not UTF-8 application/json."),
                    Problem(429, "Over the platform's rate; retry after Retry-After seconds."),
                ],
            },
            new(FunctionNames.StationsMap, StationsTag, "The warm map: stations as GeoJSON",
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
                Answers = [GeoJson(200, "The stations.", HubSchemas.Ref("StationMap")) with { Headers = CacheHeaders }, NotModified(), Problem(400, "A filter is not valid (errors per parameter).")],
            },
            new(FunctionNames.StationsMapPage, StationsTag, "The warm map as a page",
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
            new(FunctionNames.StationsMapAssets, StationsTag, "A file of the map page",
                "The page's script and style sheet and Leaflet's (leaflet.js, leaflet.css, map.js, map.css), served by the hub itself; ?v= names the version the page links to.")
            {
                Answers = [new(200, "The file (JavaScript or CSS).", BodyKind.PageFile), NotModified(), Problem(404, "No such file.")],
            },
        ];

        public override IReadOnlyList<string> QueueNames { get; } = [Queues.StationNotices];

        public override IReadOnlyList<string> TableNames { get; } = [Tables.StationStatus];

        public override IReadOnlyList<ApiEvent> Events =>
        [
            new(StationStatusBook.StatusChanged, "platform",
                "A station opened, closed, went stale, or its free chargers went from none to some or back (to platforms that subscribe).",
                HubSchemas.Ref("StationStatusNotice")),
        ];

        public override IReadOnlyDictionary<string, Func<JsonNode>> Schemas { get; } = new Dictionary<string, Func<JsonNode>>(StringComparer.Ordinal)
        {
            ["StationStatusView"] = () => HubSchemas.Export(HubJsonContext.Default.StationStatusView),
            ["StationStatusNotice"] = () => HubSchemas.Export(HubJsonContext.Default.StationStatusNotice),
            ["StationStatusReport"] = () => HubSchemas.Parse("""
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
            ["StationStatusWebhook"] = () => HubSchemas.Parse("""
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
            ["Places"] = () => HubSchemas.Parse("""
                {
                  "type": "object",
                  "required": ["free", "total"],
                  "properties": {
                    "free": { "type": "integer", "minimum": 0 },
                    "total": { "type": "integer", "minimum": 0 }
                  }
                }
                """),
            ["StationMap"] = () => HubSchemas.Parse("""
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
        };

        public override void AddServices(IServiceCollection services, IConfiguration configuration)
        {
            services.AddValidatedOptions<StationOptions, StationOptionsValidator>(configuration, StationOptions.Section);
            services.AddValidatedOptions<StationMapOptions, StationMapOptionsValidator>(configuration, StationMapOptions.Section);
            services.AddSingleton<StationStatusStore>();
            services.AddSingleton<StationIndex>();
            services.AddSingleton<StationStatusBook>();
            services.AddSingleton<StationNotices>();
            services.AddSingleton<StationStatusIntake>();
            services.AddSingleton<StationMapApi>();
            services.AddSingleton<StationMapPage>();
            services.AddSingleton<StationMapAssets>();
            services.AddSingleton<StationWatch>();
        }
    }
}

namespace StationHub.Triggers
{
    public static partial class FunctionNames
    {
        public const string StationStatusReport = nameof(StationStatusReport);
        public const string StationStatusReceived = nameof(StationStatusReceived);
        public const string StationsMap = nameof(StationsMap);
        public const string StationsMapPage = nameof(StationsMapPage);
        public const string StationsMapAssets = nameof(StationsMapAssets);
        public const string MarkStaleStations = nameof(MarkStaleStations);
        public const string PublishStationFigures = nameof(PublishStationFigures);
        public const string SendStationNotices = nameof(SendStationNotices);
    }

    public static partial class Queues
    {
        /// <summary>Wake-ups for a station's notices: each builds the notice from the row as written (one webhook-id, one body).</summary>
        public const string StationNotices = "station-notices";
    }

    public static partial class Routes
    {
        public const string StationStatus = "api/v1/stations/{stationId}/status";
        public const string PlatformStationStatus = "api/v1/platforms/{platformId}/station-status";
        public const string Stations = "api/v1/stations";
        public const string StationsMapPage = "map";
        public const string StationsMapAssets = "map/assets/{file}";
    }

    public static partial class Tables
    {
        public const string StationStatus = nameof(StationStatus);
    }

    public static partial class Schedules
    {
        /// <summary>Every minute at :15 s: mark stations whose last report is older than Stations:StaleAfter.</summary>
        public const string MarkStaleStations = "15 * * * * *";

        /// <summary>At :14:30, :29:30, :44:30 and :59:30, just before the ledger compiles: the stations' figures of the day so far.</summary>
        public const string PublishStationFigures = "30 14/15 * * * *";
    }
}
