using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Contract;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Triggers;
using static StationHub.Contract.ApiAnswer;
using static StationHub.Contract.ApiShapes;

namespace StationHub.HazardReports
{
    /// <summary>The hazard-report flow: intake, status, Open311 for cities, city updates, routing, the 24-hour watch.</summary>
    public sealed class HazardReportsModule : FlowModule
    {
        public override Ledger.LedgerSection? LedgerSection { get; } = new HazardReportLedgerSection();

        private static readonly ApiParameter[] Open311Window =
        [
            new("start_date", "ISO 8601 date and time with a time zone; default: end_date less 90 days.", HubSchemas.Timestamp()),
            new("end_date", "ISO 8601 date and time with a time zone (inclusive); default: start_date plus 90 days, or now.", HubSchemas.Timestamp()),
        ];

        /// <summary>The registry's hazard categories (once each, sound windows and SLA) and the bodies cities send them to.</summary>
        public override IEnumerable<string> RegistryProblems(RegistryDocument document)
        {
            var problems = new List<string>();
            RegistryLoader.Unique(document.HazardCategories.Select(c => c.Code), "hazard category", problems);
            var categoryCodes = document.HazardCategories.Select(c => c.Code).ToHashSet(StringComparer.Ordinal);
            foreach (var city in document.Cities)
            {
                foreach (var body in city.Bodies ?? [])
                {
                    problems.AddRange(body.Categories.Where(c => !categoryCodes.Contains(c)).Select(c => $"body '{body.Id}' names unknown category '{c}'"));
                }

                RegistryLoader.Unique((city.Bodies ?? []).SelectMany(b => b.Categories), $"category sent to a body of city '{city.Id}'", problems);
            }

            problems.AddRange(document.HazardCategories
                .Where(c => c.DuplicateRadiusMeters is < 1 or > 1000 || c.DuplicateWindowDays is < 0 or > 90 || c.ReopenWindowDays is < 0 or > 90 || c.SlaHours is < 1 or > 24 * 90)
                .Select(c => $"category '{c.Code}' needs duplicateRadiusMeters 1–1000, duplicateWindowDays and reopenWindowDays 0–90, slaHours 1–2160"));

            return problems;
        }

        public override IReadOnlyList<TriggerFunction> Functions { get; } =
        [
            HttpFunction.Webhook<HazardReportIntake>(FunctionNames.HazardReportReceived, Routes.HazardReports),
            HttpFunction.Get<HazardReportStatusQuery>(FunctionNames.HazardReportStatus, Routes.HazardReportStatus, Caller.PlatformKey, (query, request, ct) => query.HandleAsync(request, ct)),
            HttpFunction.Get<Open311Api>(FunctionNames.Open311Services, Routes.Open311Services, Caller.Public, (open311, request, _) => Task.FromResult(open311.Services(request))),
            HttpFunction.Get<Open311Api>(FunctionNames.Open311Requests, Routes.Open311Requests, Open311Api.Caller, (open311, request, ct) => open311.RequestsAsync(request, ct)),
            HttpFunction.Get<Open311Api>(FunctionNames.Open311Request, Routes.Open311Request, Open311Api.Caller, (open311, request, ct) => open311.RequestAsync(request, ct)),
            HttpFunction.Get<Open311Api>(FunctionNames.Open311RequestUpdates, Routes.Open311RequestUpdates, Open311Api.Caller, (open311, request, ct) => open311.UpdatesAsync(request, ct)),
            HttpFunction.Post<CityUpdates>(FunctionNames.CityUpdateReceived, Routes.CityUpdates, Caller.CityKey, (updates, request, ct) => updates.HandleAsync(request, ct)),
            QueueFunction.For<HazardReportRouter>(FunctionNames.RouteHazardReport, Queues.HazardReportsAccepted, (router, message, ct) => router.HandleAsync(message, ct)),
            QueueFunction.For<HazardReportUpdateRouter>(FunctionNames.ApplyHazardReportUpdate, Queues.HazardReportUpdates, (router, message, ct) => router.HandleAsync(message, ct)),
            TimerFunction.For<AcknowledgementWatch>(FunctionNames.EscalateUnacknowledgedReports, Schedules.EscalateUnacknowledgedReports, (watch, ct) => watch.RunAsync(ct)),
        ];

        public override IReadOnlyList<ApiOperation> Operations =>
        [
            new(FunctionNames.HazardReportReceived, PlatformsTag, "Report a hazard",
                "A courier's hazard report (hazard_report.created), routed to the city whose districts contain it, or to the body the city sends its category to; "
                + "a report of an open one's category within its duplicateRadiusMeters and duplicateWindowDays is linked to it and not sent again: decided behind the queue, after the 202, shown as duplicateOf in the status resource and told to the platform as hazard_report.linked. "
                + "hazard_report.reopened sends a resolved report back within the category's reopenWindowDays.")
            {
                RequestBody = HubSchemas.Envelope(
                    [HazardReportIntake.CreatedType, HazardReportIntake.ReopenedType],
                    new System.Text.Json.Nodes.JsonObject { ["anyOf"] = new System.Text.Json.Nodes.JsonArray(HubSchemas.Ref("HazardReportCreated"), HubSchemas.Ref("HazardReportReopened")) }),
                Answers =
                [
                    .. WebhookAnswers(HubSchemas.WebhookAnswer),
                    Problem(409, "A reopening of a report that is not resolved, or resolved longer ago than the category's reopenWindowDays."),
                ],
            },
            new(FunctionNames.HazardReportStatus, PlatformsTag, "Read one of your hazard reports",
                "The report's status and the city's updates so far.")
            {
                Answers = [Json(200, "The report.", HubSchemas.Ref("HazardReportView")), Problem(401, "No valid platform key."), Problem(404, "None of your reports has that id.")],
            },
            new(FunctionNames.Open311Services, CitiesTag, "List the hazard categories as Open311 services", "GeoReport v2 service list.")
            {
                Answers = [Open311(200, "The services.", HubSchemas.ArrayOf(HubSchemas.Ref("Open311Service"))), Open311Error(404, "The format is neither json nor xml.")],
            },
            new(FunctionNames.Open311Requests, CitiesTag, "List your city's service requests",
                "GeoReport v2: at most 90 days per query and 1000 requests per answer; hub_status is the hub's extension.")
            {
                Query =
                [
                    .. Open311Window,
                    new("status", "open, closed, or both comma-separated.", HubSchemas.String()),
                    new("service_code", "Comma-separated service codes.", HubSchemas.String()),
                    new("service_request_id", "Comma-separated ids; when given, the other filters are ignored.", HubSchemas.String()),
                ],
                Answers = [Open311(200, "The requests.", HubSchemas.ArrayOf(HubSchemas.Ref("Open311Request"))), .. Open311Refusals()],
            },
            new(FunctionNames.Open311Request, CitiesTag, "Read one of your city's service requests", "GeoReport v2: an array of one request.")
            {
                Answers =
                [
                    Open311(200, "The request, as an array of one.", HubSchemas.ArrayOf(HubSchemas.Ref("Open311Request"))),
                    Open311Error(403, "No valid city key."),
                    Open311Error(404, "No request of your city has that id, or the format is neither json nor xml."),
                ],
            },
            new(FunctionNames.Open311RequestUpdates, CitiesTag, "List the status updates of your city's requests",
                "mySociety's servicerequestupdates extension of GeoReport v2.")
            {
                Query = Open311Window,
                Answers = [Open311(200, "The updates.", HubSchemas.ArrayOf(HubSchemas.Ref("Open311Update"))), .. Open311Refusals()],
            },
            new(FunctionNames.CityUpdateReceived, CitiesTag, "Update one of your city's requests",
                "Idempotent by updateId; an update that goes backwards is a 409. Resolving a report as valid earns the courier its points.")
            {
                RequestBody = HubSchemas.Ref("CityUpdate"),
                Answers =
                [
                    Json(200, "The update is applied (or was already).", HubSchemas.Ref("CityUpdateAnswer")),
                    Problem(400, "The body is not valid."),
                    Problem(401, "No valid city key."),
                    Problem(404, "No request of your city has that id."),
                    Problem(409, "The update would go backwards."),
                    Problem(413, "The body is over 64 KiB."),
                    Problem(415, "The body is not UTF-8 application/json."),
                ],
            },
        ];

        public override IReadOnlyList<string> QueueNames { get; } = [Queues.HazardReportsAccepted, Queues.HazardReportUpdates];

        public override IReadOnlyList<string> TableNames { get; } = [Tables.HazardReports, Tables.CityRequests];

        public override IReadOnlyList<ApiEvent> Events =>
        [
            new(HazardReportEvents.Routed, "city",
                "A report routed to the city whose districts contain it (again, with escalated true, when the city has not acknowledged it within 24 hours). "
                + "A city whose registry entry says open311 gets a GeoReport v2 POST Service Request (form fields) instead.",
                HubSchemas.Ref("RoutedRequest")),
            new(HazardReportEvents.Updated, "platform",
                "A city's (or responsible body's) status update on one of the platform's reports; a report linked to an original hears the original's updates under its own reportId.",
                HubSchemas.Ref("ReportUpdatedEvent")),
            new(HazardReportEvents.Reopened, "city",
                "The platform reopened a resolved report: it is with the city (or body) again, and its SLA clock starts again. An Open311 recipient gets the same fields as a form POST.",
                HubSchemas.Ref("ReportReopenedEvent")),
        new(HazardReportEvents.Linked, "platform",
            "The hub linked the platform's report to an open original of the same category within the category's duplicateRadiusMeters and duplicateWindowDays "
            + "(duplicateOf: the original's hubId). Decided behind the queue, after the 202; the report is not sent to the city again and hears the original's updates.",
            HubSchemas.Ref("ReportLinkedEvent")),
        ];

        public override IReadOnlyDictionary<string, Func<JsonNode>> Schemas { get; } = new Dictionary<string, Func<JsonNode>>(StringComparer.Ordinal)
        {
            ["HazardReportView"] = () => HubSchemas.Export(HubJsonContext.Default.HazardReportView),
            ["CityUpdateAnswer"] = () => HubSchemas.Export(HubJsonContext.Default.CityUpdateAnswer),
            ["Open311Service"] = () => HubSchemas.Export(HubJsonContext.Default.Open311Service),
            ["Open311Request"] = () => HubSchemas.Export(HubJsonContext.Default.Open311Request),
            ["Open311Update"] = () => HubSchemas.Export(HubJsonContext.Default.Open311Update),
            ["RoutedRequest"] = () => HubSchemas.Export(HubJsonContext.Default.RoutedRequest),
            ["ReportReopenedEvent"] = () => HubSchemas.Export(HubJsonContext.Default.ReportReopenedEvent),
            ["ReportUpdatedEvent"] = () => HubSchemas.Export(HubJsonContext.Default.ReportUpdatedEvent),
            ["ReportLinkedEvent"] = () => HubSchemas.Export(HubJsonContext.Default.ReportLinkedEvent),
            ["Location"] = () => HubSchemas.Parse("""
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
            ["HazardReportCreated"] = () => HubSchemas.Parse("""
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
            ["HazardReportReopened"] = () => HubSchemas.Parse("""
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
            ["CityUpdate"] = () => HubSchemas.Parse("""
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
        };

        public override void AddServices(IServiceCollection services, IConfiguration configuration)
        {
            services.AddSingleton<HazardReportStore>();
            services.AddSingleton<HazardReportIntake>();
            services.AddSingleton<DuplicateClaims>();
            services.AddSingleton<ReportLinks>();
            services.AddSingleton<ReportReopening>();
            services.AddSingleton<HazardReportStatusQuery>();
            services.AddSingleton<HazardReportRouter>();
            services.AddSingleton<ReportUpdateApplier>();
            services.AddSingleton<CityUpdates>();
            services.AddSingleton<HazardReportUpdateRouter>();
            services.AddSingleton<Open311Api>();
            services.AddSingleton<AcknowledgementWatch>();
        }

        private static IEnumerable<ApiAnswer> Open311Refusals()
        {
            yield return Open311Error(400, "A bad filter, or a window over 90 days.");
            yield return Open311Error(403, "No valid city key.");
            yield return Open311Error(404, "The format is neither json nor xml.");
        }
    }
}

namespace StationHub.Triggers
{
    public static partial class FunctionNames
    {
        public const string HazardReportReceived = nameof(HazardReportReceived);
        public const string HazardReportStatus = nameof(HazardReportStatus);
        public const string Open311Services = nameof(Open311Services);
        public const string Open311Requests = nameof(Open311Requests);
        public const string Open311Request = nameof(Open311Request);
        public const string Open311RequestUpdates = nameof(Open311RequestUpdates);
        public const string CityUpdateReceived = nameof(CityUpdateReceived);
        public const string RouteHazardReport = nameof(RouteHazardReport);
        public const string ApplyHazardReportUpdate = nameof(ApplyHazardReportUpdate);
        public const string EscalateUnacknowledgedReports = nameof(EscalateUnacknowledgedReports);
    }

    public static partial class Routes
    {
        public const string HazardReports = "api/v1/platforms/{platformId}/hazard-reports";
        public const string HazardReportStatus = "api/v1/platforms/{platformId}/hazard-reports/{hubId}";
        public const string Open311Services = "api/v1/open311/services.{format}";
        public const string Open311Requests = "api/v1/open311/requests.{format}";
        public const string Open311Request = "api/v1/open311/requests/{id}.{format}";
        public const string Open311RequestUpdates = "api/v1/open311/servicerequestupdates.{format}";
        public const string CityUpdates = "api/v1/city/requests/{id}/updates";
    }

    public static partial class Queues
    {
        public const string HazardReportsAccepted = "hazard-reports-accepted";
        public const string HazardReportUpdates = "hazard-report-updates";
    }

    public static partial class Tables
    {
        public const string HazardReports = nameof(HazardReports);
        public const string CityRequests = nameof(CityRequests);
    }

    public static partial class Schedules
    {
        /// <summary>Every five minutes: find reports a city has not acknowledged within 24 hours.</summary>
        public const string EscalateUnacknowledgedReports = "0 */5 * * * *";
    }
}
