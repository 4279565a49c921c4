using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Contract;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Platform.Security;
using StationHub.Triggers;
using static StationHub.Contract.ApiAnswer;
using static StationHub.Contract.ApiShapes;

namespace StationHub.PickupOrders
{
    /// <summary>The pickup-order flow: platform webhooks, station actions, routing, expiry, the revenue split.</summary>
    public sealed class PickupOrdersModule : FlowModule
    {
        public override Ledger.LedgerSection? LedgerSection { get; } = new PickupLedgerSection();

        public override IReadOnlyList<TriggerFunction> Functions { get; } =
        [
            HttpFunction.Webhook<PickupOrderIntake>(FunctionNames.PickupOrderReceived, Routes.PickupOrders),
            HttpFunction.Get<PickupOrderStatusQuery>(FunctionNames.PickupOrderStatus, Routes.PickupOrderStatus, Caller.PlatformKey, (query, request, ct) => query.HandleAsync(request, ct)),
            HttpFunction.Post<StationActions>(FunctionNames.PickupOrderArrival, Routes.PickupOrderArrival, Caller.StationKey, (station, request, ct) => station.ArrivalAsync(request, ct)),
            HttpFunction.Post<StationActions>(FunctionNames.PickupOrderCollection, Routes.PickupOrderCollection, Caller.StationKey, (station, request, ct) => station.CollectionAsync(request, ct)),
            HttpFunction.Post<StationActions>(FunctionNames.PickupOrderUnlock, Routes.PickupOrderUnlock, Caller.StationKey, (station, request, ct) => station.UnlockAsync(request, ct)),
            QueueFunction.For<PickupOrderRouter>(FunctionNames.RoutePickupOrderEvent, Queues.PickupOrderEvents, (router, message, ct) => router.HandleAsync(message, ct)),
            TimerFunction.For<PickupExpiry>(FunctionNames.ExpirePickupOrders, Schedules.ExpirePickupOrders, (expiry, ct) => expiry.RunAsync(ct)),
        ];

        public override IReadOnlyList<ApiOperation> Operations =>
        [
            new(FunctionNames.PickupOrderReceived, PlatformsTag, "Create or cancel a pickup order",
                "pickup_order.created or pickup_order.cancelled; the station is told when the parcel is expected.")
            {
                RequestBody = HubSchemas.Envelope([PickupOrderIntake.CreatedType, PickupOrderIntake.CancelledType], HubSchemas.Ref("PickupOrderChange")),
                Answers = [.. WebhookAnswers(HubSchemas.WebhookAnswer), Problem(409, "The order can no longer be cancelled.")],
            },
            new(FunctionNames.PickupOrderStatus, PlatformsTag, "Read one of your pickup orders", "The order's status and times.")
            {
                Answers = [Json(200, "The order.", HubSchemas.Ref("PickupOrderView")), Problem(401, "No valid platform key."), Problem(404, "None of your orders has that id.")],
            },
            new(FunctionNames.PickupOrderArrival, StationsTag, "Mark a parcel arrived",
                "The hub makes the pickup code and sends it to the platform (pickup_order.ready). Repeating it is harmless. "
                + "Send an Idempotency-Key, and a retry gets the first answer.")
            {
                Headers = [IdempotencyKeyHeader],
                Answers = [Json(200, "The order, arrived.", HubSchemas.Ref("PickupOrderView")), Problem(400, "The Idempotency-Key header is not valid."), .. StationRefusals(), Problem(409, "The order cannot arrive now."), KeyReused()],
            },
            new(FunctionNames.PickupOrderCollection, StationsTag, "Hand a parcel over against its code",
                $"A wrong code is a 403; after {StationActions.MaxWrongCodes} wrong codes the order is locked (423) until staff unlock it. "
                + "Send an Idempotency-Key: a retry of a collection that went through (its answer lost, or a 503) gets the first answer, not a 409.")
            {
                Headers = [IdempotencyKeyHeader],
                RequestBody = HubSchemas.Ref("PickupCollection"),
                Answers =
                [
                    Json(200, "The order, collected.", HubSchemas.Ref("PickupOrderView")),
                    Problem(400, "The body is not valid."),
                    .. StationRefusals(),
                    Problem(409, "Only an arrived order can be collected."),
                    Problem(413, "The body is over 64 KiB."),
                    Problem(415, "The body is not UTF-8 application/json."),
                    Problem(422, "The Idempotency-Key was used for another request."),
                    Problem(423, "The order is locked by wrong codes."),
                ],
            },
            new(FunctionNames.PickupOrderUnlock, StationsTag, "Unlock an order locked by wrong codes", "Clears the wrong-code count. Takes an Idempotency-Key as the other station actions do.")
            {
                Headers = [IdempotencyKeyHeader],
                Answers = [Json(200, "The order, unlocked.", HubSchemas.Ref("PickupOrderView")), Problem(400, "The Idempotency-Key header is not valid."), .. StationRefusals(), KeyReused()],
            },
        ];

        public override IReadOnlyList<string> QueueNames { get; } = [Queues.PickupOrderEvents];

        public override IReadOnlyList<string> TableNames { get; } = [Tables.PickupOrders];

        public override IReadOnlyList<ApiEvent> Events =>
        [
            new(PickupOrderEvents.Ready, "platform", "The parcel arrived at the station; data carries the pickup code.", HubSchemas.Ref("PickupOrderNotice")),
            new(PickupOrderEvents.Collected, "platform", "The parcel was handed over.", HubSchemas.Ref("PickupOrderNotice")),
            new(PickupOrderEvents.Expired, "platform", "The parcel was not collected within its pickup window.", HubSchemas.Ref("PickupOrderNotice")),
        ];

        public override IReadOnlyDictionary<string, Func<JsonNode>> Schemas { get; } = new Dictionary<string, Func<JsonNode>>(StringComparer.Ordinal)
        {
            ["PickupOrderView"] = () => HubSchemas.Export(HubJsonContext.Default.PickupOrderView),
            ["PickupOrderNotice"] = () => HubSchemas.Export(HubJsonContext.Default.PickupOrderNotice),
            ["PickupOrderChange"] = () => HubSchemas.Parse("""
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
            ["PickupCollection"] = () => HubSchemas.Parse("""
                {
                  "type": "object",
                  "required": ["pickupCode"],
                  "properties": { "pickupCode": { "type": "string", "pattern": "^[0-9]{6}$" } }
                }
                """),
        };

        public override void AddServices(IServiceCollection services, IConfiguration configuration)
        {
            services.AddValidatedOptions<FundOptions, FundOptionsValidator>(configuration, FundOptions.Section);
            services.AddSingleton<PickupOrderStore>();
            services.AddSingleton<PickupCodes>();
            services.AddSingleton<PickupOrderIntake>();
            services.AddSingleton<PickupOrderStatusQuery>();
            services.AddSingleton<StationActions>();
            services.AddSingleton<PickupOrderRouter>();
            services.AddSingleton<PickupExpiry>();
        }

        private static readonly ApiParameter IdempotencyKeyHeader = new(Platform.Http.IdempotencyKey.Header,
            "Optional, 1-255 printable ASCII characters (a Structured Field string or a bare token), the station's own: a retry of this request "
            + "(after a timeout or a 503) sends the same key and body and gets the first answer, byte for byte, done once; the key on another request is a 422.",
            HubSchemas.String());

        private static ApiAnswer KeyReused() => Problem(422, "The Idempotency-Key was used for another request.");

        private static IEnumerable<ApiAnswer> StationRefusals()
        {
            yield return Problem(401, "No valid station key.");
            yield return Problem(403, "The key belongs to another station (or, for a collection, the code is wrong).");
            yield return Problem(404, "No order of this station has that id.");
        }
    }
}

namespace StationHub.Triggers
{
    public static partial class FunctionNames
    {
        public const string PickupOrderReceived = nameof(PickupOrderReceived);
        public const string PickupOrderStatus = nameof(PickupOrderStatus);
        public const string PickupOrderArrival = nameof(PickupOrderArrival);
        public const string PickupOrderCollection = nameof(PickupOrderCollection);
        public const string PickupOrderUnlock = nameof(PickupOrderUnlock);
        public const string RoutePickupOrderEvent = nameof(RoutePickupOrderEvent);
        public const string ExpirePickupOrders = nameof(ExpirePickupOrders);
    }

    public static partial class Routes
    {
        public const string PickupOrders = "api/v1/platforms/{platformId}/pickup-orders";
        public const string PickupOrderStatus = "api/v1/platforms/{platformId}/pickup-orders/{hubId}";
        public const string PickupOrderArrival = "api/v1/stations/{stationId}/pickup-orders/{orderId}/arrival";
        public const string PickupOrderCollection = "api/v1/stations/{stationId}/pickup-orders/{orderId}/collection";
        public const string PickupOrderUnlock = "api/v1/stations/{stationId}/pickup-orders/{orderId}/unlock";
    }

    public static partial class Queues
    {
        public const string PickupOrderEvents = "pickup-orders-events";
    }

    public static partial class Tables
    {
        public const string PickupOrders = nameof(PickupOrders);
    }

    public static partial class Schedules
    {
        /// <summary>Every five minutes, offset by 30 s: expire arrived orders past their pickup window.</summary>
        public const string ExpirePickupOrders = "30 */5 * * * *";
    }
}
