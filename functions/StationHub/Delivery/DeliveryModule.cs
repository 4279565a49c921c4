using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StationHub.Contract;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Platform.Security;
using StationHub.Triggers;
using static StationHub.Contract.ApiAnswer;
using static StationHub.Contract.ApiShapes;

namespace StationHub.Delivery
{
    /// <summary>Outbound delivery (signed calls, retries, dead letters, the endpoints' lifecycle) and the administrators' APIs for it.</summary>
    public sealed class DeliveryModule : FlowModule
    {
        public override IReadOnlyList<TriggerFunction> Functions { get; } =
        [
            HttpFunction.Get<DeadLetterAdmin>(FunctionNames.DeadLettersList, Routes.DeadLetters, Caller.AdminKey, (admin, request, ct) => admin.ListAsync(request, ct)),
            HttpFunction.Post<DeadLetterAdmin>(FunctionNames.DeadLetterReplay, Routes.DeadLetterReplay, Caller.AdminKey, (admin, request, ct) => admin.ReplayAsync(request, ct)),
            HttpFunction.Get<EndpointAdmin>(FunctionNames.EndpointsList, Routes.Endpoints, Caller.AdminKey, (admin, request, ct) => admin.ListAsync(request, ct)),
            HttpFunction.Post<EndpointAdmin>(FunctionNames.EndpointPause, Routes.EndpointPause, Caller.AdminKey, (admin, request, ct) => admin.PauseAsync(request, ct)),
            HttpFunction.Post<EndpointAdmin>(FunctionNames.EndpointResume, Routes.EndpointResume, Caller.AdminKey, (admin, request, ct) => admin.ResumeAsync(request, ct)) with { Deadline = EndpointAdmin.ReleaseDeadline },
            HttpFunction.Post<EndpointAdmin>(FunctionNames.EndpointRecover, Routes.EndpointRecover, Caller.AdminKey, (admin, request, ct) => admin.RecoverAsync(request, ct)),
            .. DeliveryQueue.Shards.Select((queue, shard) => QueueFunction.For<DeliveryProcessor>(FunctionNames.DeliverOutboundShards[shard], queue, (processor, message, dequeueCount, ct) => processor.HandleAsync(message, dequeueCount, ct))),
            TimerFunction.For<ParkedDeliveries>(FunctionNames.ReleaseParkedDeliveries, Schedules.ReleaseParkedDeliveries, (parked, ct) => parked.ReleaseLeftAsync(ct)),
        ];

        public override IReadOnlyList<ApiOperation> Operations =>
        [
            new(FunctionNames.DeadLettersList, AdminTag, "List the dead letters", "Deliveries that failed their last try.")
            {
                Query = [new("includeReplayed", "true to list the replayed ones too.", HubSchemas.String(null, "true", "false"))],
                Answers = [Json(200, "The dead letters.", HubSchemas.ArrayOf(HubSchemas.Ref("DeadLetterView"))), Problem(401, "No valid administrator key.")],
            },
            new(FunctionNames.DeadLetterReplay, AdminTag, "Replay a dead letter", "Queues the delivery again, with its webhook-id.")
            {
                Answers =
                [
                    Json(202, "The delivery is queued again.", HubSchemas.Ref("DeadLetterView")),
                    Problem(401, "No valid administrator key."),
                    Problem(404, "No dead letter has that id."),
                    Problem(409, "The dead letter was already replayed."),
                ],
            },
            new(FunctionNames.EndpointsList, AdminTag, "List the outbound endpoints",
                "Every destination of the registry (cities, platforms), with its state (active, paused, disabled), last success, failures and the deliveries waiting for it.")
            {
                Answers = [Json(200, "The endpoints.", HubSchemas.ArrayOf(HubSchemas.Ref("EndpointView"))), Problem(401, "No valid administrator key.")],
            },
            new(FunctionNames.EndpointPause, AdminTag, "Pause an endpoint",
                "Deliveries to it wait, none dropped, until it is resumed. The id is a kind and a registry id, such as city:hangzhou.")
            {
                Answers = [Json(200, "The endpoint, paused.", HubSchemas.Ref("EndpointView")), Problem(401, "No valid administrator key."), Problem(404, "No endpoint has that id.")],
            },
            new(FunctionNames.EndpointResume, AdminTag, "Resume a paused or disabled endpoint",
                "It becomes active, its failure streak starts afresh, and every delivery that waited is queued again, each once.")
            {
                Answers = [Json(200, "The endpoint, active.", HubSchemas.Ref("EndpointView")), Problem(401, "No valid administrator key."), Problem(404, "No endpoint has that id.")],
            },
            new(FunctionNames.EndpointRecover, AdminTag, "Replay an endpoint's dead letters since a time",
                $"Queues again, from the first try, each of the endpoint's dead letters not yet replayed that failed at or after since (at most {EndpointAdmin.MaxRecovered} a call; more says to call again).")
            {
                Query = [new("since", "ISO 8601 date and time with a time zone, not in the future.", HubSchemas.Timestamp(), Required: true)],
                Answers =
                [
                    Json(202, "The dead letters are queued again.", HubSchemas.Ref("EndpointRecovery")),
                    Problem(400, "since is missing, not a time, or in the future."),
                    Problem(401, "No valid administrator key."),
                    Problem(404, "No endpoint has that id."),
                ],
            },
        ];

        public override IReadOnlyList<string> QueueNames { get; } = DeliveryQueue.Shards;

        public override IReadOnlyList<string> TableNames { get; } = [Tables.Deliveries, Tables.DeadLetters, Tables.Endpoints, Tables.ParkedDeliveries, Tables.DeliveryThrottle];

        public override IReadOnlyList<ApiEvent> Events =>
        [
            new(EndpointEvents.Disabled, "administrator",
                "A destination failed without a success for Delivery:DisableAfter (default 5 days) and was disabled; its deliveries wait until it is resumed. "
                + "Sent to the registry's admin.webhookUrl, signed with Secrets:Admin:SigningSecret.",
                HubSchemas.Ref("EndpointDisabledNotice")),
        ];

        public override IReadOnlyDictionary<string, Func<JsonNode>> Schemas { get; } = new Dictionary<string, Func<JsonNode>>(StringComparer.Ordinal)
        {
            ["DeadLetterView"] = () => HubSchemas.Export(HubJsonContext.Default.DeadLetterView),
            ["EndpointView"] = () => HubSchemas.Export(HubJsonContext.Default.EndpointView),
            ["EndpointRecovery"] = () => HubSchemas.Export(HubJsonContext.Default.EndpointRecovery),
            ["EndpointDisabledNotice"] = () => HubSchemas.Export(HubJsonContext.Default.EndpointDisabledNotice),
        };

        public override void AddServices(IServiceCollection services, IConfiguration configuration)
        {
            services.AddValidatedOptions<DeliveryOptions, DeliveryOptionsValidator>(configuration, DeliveryOptions.Section);
            services.AddSingleton<DeliveryStore>();
            services.AddSingleton<RetryPolicy>();
            services.AddSingleton<DeliverySender>();
            services.AddSingleton<DeliveryProcessor>();
            services.AddSingleton<DeadLetterAdmin>();
            services.AddSingleton<EndpointStore>();
            services.AddSingleton<ParkedDeliveries>();
            services.AddSingleton<DeliveryThrottle>();
            services.AddSingleton<EndpointAdmin>();
            services.AddHttpClient(DeliverySender.HttpClientName, (provider, client) =>
                {
                    client.Timeout = provider.GetRequiredService<IOptions<DeliveryOptions>>().Value.Timeout;
                    client.DefaultRequestHeaders.UserAgent.ParseAdd("StationHub/1.0");
                })
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    AutomaticDecompression = DecompressionMethods.None,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),

                    // The sender writes traceparent itself (HubTelemetry.Inject), from its own span.
                    ActivityHeadersPropagator = null,
                });
        }
    }
}

namespace StationHub.Triggers
{
    public static partial class FunctionNames
    {
        public const string DeadLettersList = nameof(DeadLettersList);
        public const string DeadLetterReplay = nameof(DeadLetterReplay);
        public const string EndpointsList = nameof(EndpointsList);
        public const string EndpointPause = nameof(EndpointPause);
        public const string EndpointResume = nameof(EndpointResume);
        public const string EndpointRecover = nameof(EndpointRecover);
        public const string DeliverOutbound = nameof(DeliverOutbound);
        public const string DeliverOutboundShard1 = nameof(DeliverOutboundShard1);

        /// <summary>The functions that make deliveries, one per queue shard (<see cref="StationHub.Delivery.DeliveryQueue.Shards"/>), in its order.</summary>
        public static IReadOnlyList<string> DeliverOutboundShards { get; } = [DeliverOutbound, DeliverOutboundShard1];
        public const string ReleaseParkedDeliveries = nameof(ReleaseParkedDeliveries);
    }

    public static partial class Routes
    {
        public const string DeadLetters = "api/v1/admin/dead-letters";
        public const string DeadLetterReplay = "api/v1/admin/dead-letters/{id}/replay";
        public const string Endpoints = "api/v1/admin/endpoints";
        public const string EndpointPause = "api/v1/admin/endpoints/{id}/pause";
        public const string EndpointResume = "api/v1/admin/endpoints/{id}/resume";
        public const string EndpointRecover = "api/v1/admin/endpoints/{id}/recover";
    }

    public static partial class Queues
    {
        /// <summary>The first shard of outbound deliveries; it keeps the name of the one queue before the split, so what was queued before a deploy is still made.</summary>
        public const string Deliveries = "deliveries";

        /// <summary>The second shard of outbound deliveries (<see cref="StationHub.Delivery.DeliveryQueue.Shards"/>).</summary>
        public const string DeliveriesShard1 = "deliveries-1";
    }

    public static partial class Tables
    {
        public const string Deliveries = nameof(Deliveries);
        public const string DeadLetters = nameof(DeadLetters);

        /// <summary>Each outbound destination's state (active, paused, disabled) and delivery record.</summary>
        public const string Endpoints = nameof(Endpoints);

        /// <summary>Deliveries waiting for a paused or disabled destination.</summary>
        public const string ParkedDeliveries = nameof(ParkedDeliveries);

        /// <summary>Each throttled destination's shared per-second counter.</summary>
        public const string DeliveryThrottle = nameof(DeliveryThrottle);
    }

    public static partial class Schedules
    {
        /// <summary>Every five minutes, offset by 40 s: parked deliveries whose destination is open again (a resume cut short).</summary>
        public const string ReleaseParkedDeliveries = "40 */5 * * * *";
    }
}
