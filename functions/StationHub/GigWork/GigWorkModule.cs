using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Contract;
using StationHub.Ledger;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Triggers;
using static StationHub.Contract.ApiAnswer;
using static StationHub.Contract.ApiShapes;

namespace StationHub.GigWork
{
    /// <summary>Gig work: platform webhooks and status, the public standings, applying events, overdue pay, the year's tally.</summary>
    public sealed class GigWorkModule : FlowModule
    {
        public override LedgerSection? LedgerSection { get; } = new GigWorkLedgerSection();

        public override IEnumerable<string> RegistryProblems(RegistryDocument document) => SubsidyPolicies.Problems(document);

        public override IReadOnlyList<string> RegistrySections { get; } = [SubsidyPolicies.Section.Name];

        public override IReadOnlyList<TriggerFunction> Functions { get; } =
        [
            HttpFunction.Webhook<GigWorkIntake>(FunctionNames.GigWorkReceived, Routes.GigWork),
            HttpFunction.Get<GigWorkStatusQuery>(FunctionNames.GigWorkStatus, Routes.GigWorkStatus, Caller.PlatformKey, (query, request, ct) => query.HandleAsync(request, ct)),
            HttpFunction.Get<GigWorkStandings>(FunctionNames.GigWorkStations, Routes.GigWorkStations, Caller.Public, (standings, request, ct) => standings.HandleAsync(request, ct)),
            HttpFunction.Get<GigWorkPolicies>(FunctionNames.GigWorkPolicies, Routes.GigWorkPolicies, Caller.Public, (policies, request, ct) => policies.HandleAsync(request, ct)),
            QueueFunction.For<GigWorkRouter>(FunctionNames.ApplyGigWorkEvent, Queues.GigWorkEvents, (router, message, ct) => router.HandleAsync(message, ct)),
            TimerFunction.For<PaymentWatch>(FunctionNames.FlagOverdueGigPayments, Schedules.FlagOverdueGigPayments, (watch, ct) => watch.RunAsync(ct)),
            TimerFunction.For<GigWorkYear>(FunctionNames.TallyGigWorkYear, Schedules.TallyGigWorkYear, (year, ct) => year.RunAsync(ct)),
        ];

        public override IReadOnlyList<ApiOperation> Operations =>
        [
            new(FunctionNames.GigWorkReceived, PlatformsTag, "Report gig work: jobs and matches",
                "gig_job.posted and gig_match.made|completed|paid|cancelled, in any order: an event that needs an earlier one waits for it; an impossible sequence is rejected with a recorded reason.")
            {
                RequestBody = HubSchemas.Envelope(GigWorkTypes.Accepted, HubSchemas.Ref("GigWorkData")),
                Answers = [.. WebhookAnswers(HubSchemas.WebhookAnswer)],
            },
            new(FunctionNames.GigWorkStatus, PlatformsTag, "Read what became of a gig-work event", "received, pending (waiting for an earlier event), applied, or rejected with its reason.")
            {
                Answers = [Json(200, "The event.", HubSchemas.Ref("GigEventView")), Problem(401, "No valid platform key."), Problem(404, "You have no gig-work event with that id.")],
            },
            new(FunctionNames.GigWorkStations, LedgerTag, "Gig-work stations: the policy year so far and its subsidy",
                "Per station under a subsidy policy: workers wanted, matches and the subsidy they earn (fen, capped), beside matches completed and paid and their shares.")
            {
                Answers = [Json(200, "The stations.", HubSchemas.Ref("GigWorkStandingsView"))],
            },
            new(FunctionNames.GigWorkPolicies, LedgerTag, "Gig-work subsidy policies, as published",
                "Each policy: its id and version (each day's ledger names the version its subsidy figures were computed under), the districts, the policy year's start, the counting basis (made, completed or paid), the tiers, the cap per station and year (fen), and the bounds of the signals the ledger page marks a station beyond.")
            {
                Answers = [Json(200, "The policies.", HubSchemas.Ref("GigWorkPoliciesView"))],
            },
        ];

        public override IReadOnlyList<string> QueueNames { get; } = [Queues.GigWorkEvents];

        public override IReadOnlyList<string> TableNames { get; } = [Tables.GigWork];

        public override IReadOnlyList<ApiEvent> Events =>
        [
            new(GigWorkTypes.PaymentOverdue, "platform", "A match completed but not paid within 2 hours, once per match, so the worker's wage does not quietly slip.", HubSchemas.Ref("PaymentOverdueNotice")),
        ];

        public override IReadOnlyDictionary<string, Func<JsonNode>> Schemas { get; } = new Dictionary<string, Func<JsonNode>>(StringComparer.Ordinal)
        {
            ["GigEventView"] = () => HubSchemas.Export(HubJsonContext.Default.GigEventView),
            ["GigWorkStandingsView"] = () => HubSchemas.Export(HubJsonContext.Default.GigWorkStandingsView),
            ["GigWorkPoliciesView"] = () => HubSchemas.Export(HubJsonContext.Default.GigWorkPoliciesView),
            ["PaymentOverdueNotice"] = () => HubSchemas.Export(HubJsonContext.Default.PaymentOverdueNotice),
            ["GigWorkData"] = () => HubSchemas.Parse("""
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
        };

        public override void AddServices(IServiceCollection services, IConfiguration configuration)
        {
            services.AddSingleton<GigWorkBook>();
            services.AddSingleton<GigWorkIntake>();
            services.AddSingleton<GigWorkStatusQuery>();
            services.AddSingleton<GigWorkStandings>();
            services.AddSingleton<GigWorkPolicies>();
            services.AddSingleton<GigWorkRouter>();
            services.AddSingleton<PaymentWatch>();
            services.AddSingleton<GigWorkYear>();
        }
    }
}

namespace StationHub.Triggers
{
    public static partial class FunctionNames
    {
        public const string GigWorkReceived = nameof(GigWorkReceived);
        public const string GigWorkStatus = nameof(GigWorkStatus);
        public const string GigWorkStations = nameof(GigWorkStations);
        public const string GigWorkPolicies = nameof(GigWorkPolicies);
        public const string ApplyGigWorkEvent = nameof(ApplyGigWorkEvent);
        public const string FlagOverdueGigPayments = nameof(FlagOverdueGigPayments);
        public const string TallyGigWorkYear = nameof(TallyGigWorkYear);
    }

    public static partial class Routes
    {
        public const string GigWork = "api/v1/platforms/{platformId}/gig-work";
        public const string GigWorkStatus = "api/v1/platforms/{platformId}/gig-work/{hubId}";
        public const string GigWorkStations = "api/v1/gig-work/stations";
        public const string GigWorkPolicies = "api/v1/gig-work/policies";
    }

    public static partial class Queues
    {
        public const string GigWorkEvents = "gig-work-events";
    }

    public static partial class Tables
    {
        /// <summary>Gig work: jobs, matches, the events that made them, the overdue-payment index.</summary>
        public const string GigWork = nameof(GigWork);
    }

    public static partial class Schedules
    {
        /// <summary>Every five minutes, offset by 15 s: tell platforms of matches completed but not paid within 2 hours.</summary>
        public const string FlagOverdueGigPayments = "15 */5 * * * *";

        /// <summary>Five minutes before each ledger compile: each station's gig-work counts of the policy year before today.</summary>
        public const string TallyGigWorkYear = "0 10,25,40,55 * * * *";
    }
}
