using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Contract;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Triggers;
using static StationHub.Contract.ApiAnswer;
using static StationHub.Contract.ApiShapes;

namespace StationHub.Points
{
    /// <summary>The points flow: platform webhooks, balances, vouchers at stations, expiry.</summary>
    public sealed class PointsModule : FlowModule
    {
        public override Ledger.LedgerSection? LedgerSection { get; } = new PointsLedgerSection();

        /// <summary>The registry's points catalog: tasks and rewards once each, each earning or costing a positive number of points.</summary>
        public override IEnumerable<string> RegistryProblems(RegistryDocument document)
        {
            var problems = new List<string>();
            if (document.PointsCatalog is null)
            {
                problems.Add("it has no pointsCatalog");
            }
            else
            {
                RegistryLoader.Unique(document.PointsCatalog.Tasks.Select(t => t.Code), "points task", problems);
                RegistryLoader.Unique(document.PointsCatalog.Rewards.Select(r => r.Code), "reward", problems);
                problems.AddRange(document.PointsCatalog.Tasks.Where(t => t.Points <= 0 || t.Minutes < 0).Select(t => $"task '{t.Code}' must earn a positive number of points"));
                problems.AddRange(document.PointsCatalog.Rewards.Where(r => r.Cost <= 0).Select(r => $"reward '{r.Code}' must cost a positive number of points"));
            }

            return problems;
        }

        public override IReadOnlyList<TriggerFunction> Functions { get; } =
        [
            HttpFunction.Webhook<PointsIntake>(FunctionNames.PointsTransactionReceived, Routes.PointsTransactions),
            HttpFunction.Get<CourierPointsQuery>(FunctionNames.CourierPoints, Routes.CourierPoints, Caller.PlatformKey, (query, request, ct) => query.HandleAsync(request, ct)),
            HttpFunction.Post<VoucherSettlement>(FunctionNames.VoucherRedemption, Routes.VoucherRedemption, Caller.StationKey, (settlement, request, ct) => settlement.HandleAsync(request, ct)),
            QueueFunction.For<PointsRouter>(FunctionNames.ApplyPointsTransaction, Queues.PointsTransactions, (router, message, ct) => router.HandleAsync(message, ct)),
            TimerFunction.For<VoucherExpiry>(FunctionNames.ReleaseExpiredVouchers, Schedules.ReleaseExpiredVouchers, (expiry, ct) => expiry.RunAsync(ct)),
        ];

        public override IReadOnlyList<ApiOperation> Operations =>
        [
            new(FunctionNames.PointsTransactionReceived, PlatformsTag, "Earn, redeem or reverse points",
                "points.earned, points.redeemed or points.reversed; a redemption answers with its voucher code.")
            {
                RequestBody = HubSchemas.Envelope([PointsIntake.EarnedType, PointsIntake.RedeemedType, PointsIntake.ReversedType], HubSchemas.Ref("PointsTransaction")),
                Answers = [.. WebhookAnswers(HubSchemas.Ref("PointsAnswer")), Problem(409, "The transaction was rejected (not enough points, unknown task or reward, nothing to reverse).")],
            },
            new(FunctionNames.CourierPoints, PlatformsTag, "Read a courier's points", "Balance and history of one of your couriers.")
            {
                Answers = [Json(200, "The courier's points.", HubSchemas.Ref("CourierPointsView")), Problem(401, "No valid platform key."), Problem(404, "No courier of yours has that id.")],
            },
            new(FunctionNames.VoucherRedemption, StationsTag, "Settle a points voucher", "Settles the redemption a platform made for a courier.")
            {
                Answers =
                [
                    Json(200, "The voucher, settled.", HubSchemas.Ref("VoucherAnswer")),
                    Problem(401, "No valid station key."),
                    Problem(403, "The key belongs to another station."),
                    Problem(404, "No voucher has that code."),
                    Problem(409, "The voucher was already settled, or cannot be settled."),
                    Problem(410, "The voucher has expired and its points went back."),
                ],
            },
        ];

        public override IReadOnlyList<string> QueueNames { get; } = [Queues.PointsTransactions];

        public override IReadOnlyList<string> TableNames { get; } = [Tables.PointsAccounts, Tables.Vouchers];

        public override IReadOnlyList<ApiEvent> Events =>
        [
            new(PointsEvents.BalanceChanged, "platform", "A courier's points changed (earned, redeemed, reversed, released).", HubSchemas.Ref("BalanceChangedNotice")),
            new(PointsEvents.SocialTimeCredited, "platform", "Working time a task cost the courier, which the platform can excuse (late orders).", HubSchemas.Ref("SocialTimeNotice")),
            new(PointsEvents.Rejected, "platform", "A points transaction the hub could not apply.", HubSchemas.Ref("PointsRejectedNotice")),
        ];

        public override IReadOnlyDictionary<string, Func<JsonNode>> Schemas { get; } = new Dictionary<string, Func<JsonNode>>(StringComparer.Ordinal)
        {
            ["PointsAnswer"] = () => HubSchemas.Export(HubJsonContext.Default.PointsAnswer),
            ["CourierPointsView"] = () => HubSchemas.Export(HubJsonContext.Default.CourierPointsView),
            ["VoucherAnswer"] = () => HubSchemas.Export(HubJsonContext.Default.VoucherAnswer),
            ["BalanceChangedNotice"] = () => HubSchemas.Export(HubJsonContext.Default.BalanceChangedNotice),
            ["SocialTimeNotice"] = () => HubSchemas.Export(HubJsonContext.Default.SocialTimeNotice),
            ["PointsRejectedNotice"] = () => HubSchemas.Export(HubJsonContext.Default.PointsRejectedNotice),
            ["PointsTransaction"] = () => HubSchemas.Parse("""
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
        };

        public override void AddServices(IServiceCollection services, IConfiguration configuration)
        {
            services.AddValidatedOptions<PointsOptions, PointsOptionsValidator>(configuration, PointsOptions.Section);
            services.AddSingleton<PointsBook>();
            services.AddSingleton<HubIssuedPoints>();
            services.AddSingleton<PointsIntake>();
            services.AddSingleton<PointsRouter>();
            services.AddSingleton<VoucherSettlement>();
            services.AddSingleton<VoucherExpiry>();
            services.AddSingleton<CourierPointsQuery>();
        }
    }
}

namespace StationHub.Triggers
{
    public static partial class FunctionNames
    {
        public const string PointsTransactionReceived = nameof(PointsTransactionReceived);
        public const string CourierPoints = nameof(CourierPoints);
        public const string VoucherRedemption = nameof(VoucherRedemption);
        public const string ApplyPointsTransaction = nameof(ApplyPointsTransaction);
        public const string ReleaseExpiredVouchers = nameof(ReleaseExpiredVouchers);
    }

    public static partial class Routes
    {
        public const string PointsTransactions = "api/v1/platforms/{platformId}/points-transactions";
        public const string CourierPoints = "api/v1/platforms/{platformId}/couriers/{courierId}/points";
        public const string VoucherRedemption = "api/v1/stations/{stationId}/vouchers/{voucherCode}/redemption";
    }

    public static partial class Queues
    {
        public const string PointsTransactions = "points-transactions";
    }

    public static partial class Tables
    {
        public const string PointsAccounts = nameof(PointsAccounts);
        public const string Vouchers = nameof(Vouchers);
    }

    public static partial class Schedules
    {
        /// <summary>Every five minutes, offset by 45 s: release the points of vouchers that expired unsettled.</summary>
        public const string ReleaseExpiredVouchers = "45 */5 * * * *";
    }
}
