using System.Text.Json;
using System.Text.Json.Serialization;
using StationHub.Delivery;
using StationHub.GigWork;
using StationHub.HazardReports;
using StationHub.Ledger;
using StationHub.Ledger.Checkpoints;
using StationHub.PickupOrders;
using StationHub.Points;
using StationHub.Stations;
using StationHub.Platform.Http;
using StationHub.Platform.Registry;
using StationHub.Platform.Webhooks;

namespace StationHub.Platform.Json;

/// <summary>The one JSON context (source-generated, web defaults) for HTTP, queues and tables.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never, UseStringEnumConverter = true, Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(RegistryDocument))]
[JsonSerializable(typeof(StationHub.Tenants.RegistryImportAnswer))]
[JsonSerializable(typeof(StationHub.Tenants.StationImportAnswer))]
[JsonSerializable(typeof(WebhookAnswer))]
[JsonSerializable(typeof(HazardReport))]
[JsonSerializable(typeof(HazardReportAccepted))]
[JsonSerializable(typeof(HazardReportUpdateReceived))]
[JsonSerializable(typeof(CityUpdate))]
[JsonSerializable(typeof(ReportReopenedEvent))]
[JsonSerializable(typeof(CityUpdateAnswer))]
[JsonSerializable(typeof(RoutedRequest))]
[JsonSerializable(typeof(ReportUpdatedEvent))]
[JsonSerializable(typeof(ReportLinkedEvent))]
[JsonSerializable(typeof(HazardReportView))]
[JsonSerializable(typeof(List<Open311Service>))]
[JsonSerializable(typeof(List<Open311Request>))]
[JsonSerializable(typeof(List<Open311Update>))]
[JsonSerializable(typeof(List<Open311Error>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(PickupOrder))]
[JsonSerializable(typeof(PickupOrderEvent))]
[JsonSerializable(typeof(PickupOrderView))]
[JsonSerializable(typeof(PickupOrderNotice))]
[JsonSerializable(typeof(StationStatusView))]
[JsonSerializable(typeof(StationStatusNotice))]
[JsonSerializable(typeof(StationNoticeDue))]
[JsonSerializable(typeof(PointsTransactionRequested))]
[JsonSerializable(typeof(PointsAnswer))]
[JsonSerializable(typeof(BalanceChangedNotice))]
[JsonSerializable(typeof(SocialTimeNotice))]
[JsonSerializable(typeof(PointsRejectedNotice))]
[JsonSerializable(typeof(VoucherAnswer))]
[JsonSerializable(typeof(VoucherSettledProblem))]
[JsonSerializable(typeof(CourierPointsView))]
[JsonSerializable(typeof(List<LedgerDayLink>))]
[JsonSerializable(typeof(LedgerProof))]
[JsonSerializable(typeof(LedgerConsistency))]
[JsonSerializable(typeof(LedgerTreeProof))]
[JsonSerializable(typeof(LedgerWitnessRequested))]
[JsonSerializable(typeof(DeliveryRequested))]
[JsonSerializable(typeof(OutboundEnvelope))]
[JsonSerializable(typeof(DeadLetterView))]
[JsonSerializable(typeof(List<DeadLetterView>))]
[JsonSerializable(typeof(GigWorkEvent))]
[JsonSerializable(typeof(GigEventView))]
[JsonSerializable(typeof(PaymentOverdueNotice))]
[JsonSerializable(typeof(GigWorkStandingsView))]
[JsonSerializable(typeof(GigWorkPoliciesView))]
[JsonSerializable(typeof(EndpointView))]
[JsonSerializable(typeof(List<EndpointView>))]
[JsonSerializable(typeof(EndpointRecovery))]
[JsonSerializable(typeof(EndpointDisabledNotice))]
public sealed partial class HubJsonContext : JsonSerializerContext;
