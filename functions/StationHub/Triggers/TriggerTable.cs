namespace StationHub.Triggers;

// The trigger table's names: every route, queue, table and schedule the hub serves. Each flow
// declares its functions once, with these names and their handlers (*Triggers.cs, gathered in
// HubTriggers); both hosts serve those rows, and tests hold the Functions app's published
// metadata to them.

/// <summary>Function names, shared by both hosts' logs and by the drift test.</summary>
public static class FunctionNames
{
    // HTTP: platform webhooks in
    public const string HazardReportReceived = nameof(HazardReportReceived);
    public const string HazardReportStatus = nameof(HazardReportStatus);

    public const string PickupOrderReceived = nameof(PickupOrderReceived);
    public const string PickupOrderStatus = nameof(PickupOrderStatus);

    public const string PointsTransactionReceived = nameof(PointsTransactionReceived);
    public const string CourierPoints = nameof(CourierPoints);

    public const string GigWorkReceived = nameof(GigWorkReceived);
    public const string GigWorkStatus = nameof(GigWorkStatus);

    // HTTP: stations
    public const string PickupOrderArrival = nameof(PickupOrderArrival);
    public const string PickupOrderCollection = nameof(PickupOrderCollection);
    public const string PickupOrderUnlock = nameof(PickupOrderUnlock);
    public const string VoucherRedemption = nameof(VoucherRedemption);
    public const string StationStatusReport = nameof(StationStatusReport);

    // HTTP: platforms that run stations' doors and chargers
    public const string StationStatusReceived = nameof(StationStatusReceived);

    // HTTP: the warm map (public)
    public const string StationsMap = nameof(StationsMap);
    public const string StationsMapPage = nameof(StationsMapPage);
    public const string StationsMapAssets = nameof(StationsMapAssets);

    // HTTP: city systems
    public const string Open311Services = nameof(Open311Services);
    public const string Open311Requests = nameof(Open311Requests);
    public const string Open311Request = nameof(Open311Request);
    public const string Open311RequestUpdates = nameof(Open311RequestUpdates);
    public const string CityUpdateReceived = nameof(CityUpdateReceived);

    // HTTP: the public ledger
    public const string LedgerDays = nameof(LedgerDays);
    public const string LedgerDay = nameof(LedgerDay);
    public const string LedgerProof = nameof(LedgerProof);
    public const string LedgerPage = nameof(LedgerPage);
    // Named to sort before LedgerDay: the Functions host tries routes in function-name order, and
    // api/v1/ledger/{date} would answer api/v1/ledger/key (RouteOrderTests).
    public const string LedgerCheckpointKey = nameof(LedgerCheckpointKey);
    public const string LedgerCheckpoint = nameof(LedgerCheckpoint);
    public const string LedgerDayCheckpoint = nameof(LedgerDayCheckpoint);
    public const string LedgerConsistency = nameof(LedgerConsistency);

    // HTTP: the public gig-work figures (year to date, the policy's subsidy)
    public const string GigWorkStations = nameof(GigWorkStations);

    // HTTP: administrators
    public const string DeadLettersList = nameof(DeadLettersList);
    public const string DeadLetterReplay = nameof(DeadLetterReplay);
    public const string EndpointsList = nameof(EndpointsList);
    public const string EndpointPause = nameof(EndpointPause);
    public const string EndpointResume = nameof(EndpointResume);
    public const string EndpointRecover = nameof(EndpointRecover);

    // HTTP: the contract (OpenAPI 3.1, generated from this table)
    public const string OpenApiDocument = nameof(OpenApiDocument);

    // HTTP: any other path or method, answered as the hub answers every error (problem+json 404).
    // Its name sorts after every other function's: the Functions host tries HTTP routes in the
    // alphabetical order of function names, not by ASP.NET Core's route precedence
    // (azure-functions-host#9876), so a catch-all named earlier would shadow the routes after it.
    public const string RouteNotFound = "ZzRouteNotFound";

    // Queues
    public const string RouteHazardReport = nameof(RouteHazardReport);
    public const string ApplyHazardReportUpdate = nameof(ApplyHazardReportUpdate);
    public const string DeliverOutbound = nameof(DeliverOutbound);
    public const string RoutePickupOrderEvent = nameof(RoutePickupOrderEvent);
    public const string ApplyPointsTransaction = nameof(ApplyPointsTransaction);
    public const string ApplyGigWorkEvent = nameof(ApplyGigWorkEvent);
    public const string CosignLedgerCheckpoint = nameof(CosignLedgerCheckpoint);

    // Timers
    public const string EscalateUnacknowledgedReports = nameof(EscalateUnacknowledgedReports);
    public const string ExpirePickupOrders = nameof(ExpirePickupOrders);
    public const string ReleaseExpiredVouchers = nameof(ReleaseExpiredVouchers);
    public const string CompileLedger = nameof(CompileLedger);
    public const string SealLedger = nameof(SealLedger);
    public const string MarkStaleStations = nameof(MarkStaleStations);
    public const string PublishStationFigures = nameof(PublishStationFigures);
    public const string FlagOverdueGigPayments = nameof(FlagOverdueGigPayments);
    public const string TallyGigWorkYear = nameof(TallyGigWorkYear);
}

/// <summary>
/// HTTP routes from the host's root. host.json sets <c>routePrefix</c> to empty, so the API's
/// <c>api/</c> is part of each route and the public ledger page can live at <c>/ledger</c>.
/// </summary>
public static class Routes
{
    public const string HazardReports = "api/v1/platforms/{platformId}/hazard-reports";
    public const string HazardReportStatus = "api/v1/platforms/{platformId}/hazard-reports/{hubId}";

    public const string PickupOrders = "api/v1/platforms/{platformId}/pickup-orders";
    public const string PickupOrderStatus = "api/v1/platforms/{platformId}/pickup-orders/{hubId}";
    public const string PointsTransactions = "api/v1/platforms/{platformId}/points-transactions";
    public const string CourierPoints = "api/v1/platforms/{platformId}/couriers/{courierId}/points";
    public const string VoucherRedemption = "api/v1/stations/{stationId}/vouchers/{voucherCode}/redemption";
    public const string GigWork = "api/v1/platforms/{platformId}/gig-work";
    public const string GigWorkStatus = "api/v1/platforms/{platformId}/gig-work/{hubId}";
    public const string GigWorkStations = "api/v1/gig-work/stations";

    public const string PickupOrderArrival = "api/v1/stations/{stationId}/pickup-orders/{orderId}/arrival";
    public const string PickupOrderCollection = "api/v1/stations/{stationId}/pickup-orders/{orderId}/collection";
    public const string PickupOrderUnlock = "api/v1/stations/{stationId}/pickup-orders/{orderId}/unlock";

    public const string StationStatus = "api/v1/stations/{stationId}/status";
    public const string PlatformStationStatus = "api/v1/platforms/{platformId}/station-status";
    public const string Stations = "api/v1/stations";
    public const string StationsMapPage = "map";
    public const string StationsMapAssets = "map/assets/{file}";

    public const string Open311Services = "api/v1/open311/services.{format}";
    public const string Open311Requests = "api/v1/open311/requests.{format}";
    public const string Open311Request = "api/v1/open311/requests/{id}.{format}";
    public const string Open311RequestUpdates = "api/v1/open311/servicerequestupdates.{format}";
    public const string CityUpdates = "api/v1/city/requests/{id}/updates";

    public const string Ledger = "api/v1/ledger";
    public const string LedgerDay = "api/v1/ledger/{date}";
    public const string LedgerProof = "api/v1/ledger/{date}/proof";
    public const string LedgerPage = "ledger";
    public const string LedgerKey = "api/v1/ledger/key";
    public const string LedgerCheckpoint = "api/v1/ledger/checkpoint";
    public const string LedgerDayCheckpoint = "api/v1/ledger/{date}/checkpoint";
    public const string LedgerConsistency = "api/v1/ledger/consistency";

    public const string DeadLetters = "api/v1/admin/dead-letters";
    public const string DeadLetterReplay = "api/v1/admin/dead-letters/{id}/replay";
    public const string Endpoints = "api/v1/admin/endpoints";
    public const string EndpointPause = "api/v1/admin/endpoints/{id}/pause";
    public const string EndpointResume = "api/v1/admin/endpoints/{id}/resume";
    public const string EndpointRecover = "api/v1/admin/endpoints/{id}/recover";

    public const string OpenApiDocument = "api/v1/openapi.json";

    /// <summary>Every path no other route serves (a catch-all has the lowest precedence on both hosts).</summary>
    public const string NotFound = "{*path}";
}

/// <summary>The setting that names the storage account of every queue trigger.</summary>
public static class Connections
{
    public const string Storage = "AzureWebJobsStorage";
}

/// <summary>Queue names (kebab-case); each has a <c>-poison</c> twin.</summary>
public static class Queues
{
    public const string HazardReportsAccepted = "hazard-reports-accepted";
    public const string HazardReportUpdates = "hazard-report-updates";
    public const string Deliveries = "deliveries";
    public const string PickupOrderEvents = "pickup-orders-events";
    public const string PointsTransactions = "points-transactions";
    public const string GigWorkEvents = "gig-work-events";
    public const string LedgerWitness = "ledger-witness";

    public const string PoisonSuffix = "-poison";

    public static IReadOnlyList<string> All { get; } = [HazardReportsAccepted, HazardReportUpdates, Deliveries, PickupOrderEvents, PointsTransactions, GigWorkEvents, LedgerWitness];
}

/// <summary>Table names (PascalCase letters and digits).</summary>
public static class Tables
{
    public const string HazardReports = nameof(HazardReports);
    public const string CityRequests = nameof(CityRequests);
    public const string Deliveries = nameof(Deliveries);
    public const string DeadLetters = nameof(DeadLetters);

    /// <summary>
    /// The base name of the ledger's entry tables: one per city-local day
    /// (<c>LedgerEntries20261122</c>), created by the day's first write, so compiling a day reads
    /// a table of that day alone, however long the history (see <see cref="LedgerEntriesOf"/>).
    /// Not in <see cref="All"/>: nothing declares them ahead.
    /// </summary>
    public const string LedgerEntries = nameof(LedgerEntries);
    public const string TimerClaims = nameof(TimerClaims);
    public const string PickupOrders = nameof(PickupOrders);
    public const string PointsAccounts = nameof(PointsAccounts);
    public const string Vouchers = nameof(Vouchers);
    public const string LedgerDays = nameof(LedgerDays);
    public const string StationStatus = nameof(StationStatus);

    /// <summary>Gig work: jobs, matches, the events that made them, the overdue-payment index.</summary>
    public const string GigWork = nameof(GigWork);

    /// <summary>Each outbound destination's state (active, paused, disabled) and delivery record.</summary>
    public const string Endpoints = nameof(Endpoints);

    /// <summary>Deliveries waiting for a paused or disabled destination.</summary>
    public const string ParkedDeliveries = nameof(ParkedDeliveries);

    /// <summary>Each throttled destination's shared per-second counter.</summary>
    public const string DeliveryThrottle = nameof(DeliveryThrottle);

    /// <summary>The perfect subtrees of the one Merkle tree over every sealed day's leaves.</summary>
    public const string LedgerTree = nameof(LedgerTree);

    /// <summary>Each sealed day's place in that tree, its signed checkpoint and the witnesses' cosignatures.</summary>
    public const string LedgerCheckpoints = nameof(LedgerCheckpoints);

    public static IReadOnlyList<string> All { get; } =
        [HazardReports, CityRequests, Deliveries, DeadLetters, TimerClaims, PickupOrders, PointsAccounts, Vouchers, LedgerDays, StationStatus, GigWork, Endpoints, ParkedDeliveries, DeliveryThrottle, LedgerTree, LedgerCheckpoints];

    /// <summary>The entry table of one city-local day, given as <c>yyyyMMdd</c>.</summary>
    public static string LedgerEntriesOf(string day) => LedgerEntries + day;
}

/// <summary>Six-field NCRONTAB schedules (second minute hour day month day-of-week), UTC.</summary>
public static class Schedules
{
    /// <summary>Every five minutes: find reports a city has not acknowledged within 24 hours.</summary>
    public const string EscalateUnacknowledgedReports = "0 */5 * * * *";

    /// <summary>Every five minutes, offset by 30 s: expire arrived orders past their pickup window.</summary>
    public const string ExpirePickupOrders = "30 */5 * * * *";

    /// <summary>Every five minutes, offset by 45 s: release the points of vouchers that expired unsettled.</summary>
    public const string ReleaseExpiredVouchers = "45 */5 * * * *";

    /// <summary>Every 15 minutes: the public ledger's day so far.</summary>
    public const string CompileLedger = "0 */15 * * * *";

    /// <summary>Hourly at :05: seal every complete day of the city's calendar not yet sealed.</summary>
    public const string SealLedger = "0 5 * * * *";

    /// <summary>Every minute at :15 s: mark stations whose last report is older than Stations:StaleAfter.</summary>
    public const string MarkStaleStations = "15 * * * * *";

    /// <summary>At :14:30, :29:30, :44:30 and :59:30, just before the ledger compiles: the stations' figures of the day so far.</summary>
    public const string PublishStationFigures = "30 14/15 * * * *";

    /// <summary>Every five minutes, offset by 15 s: tell platforms of matches completed but not paid within 2 hours.</summary>
    public const string FlagOverdueGigPayments = "15 */5 * * * *";

    /// <summary>Five minutes before each ledger compile: each station's gig-work counts of the policy year before today.</summary>
    public const string TallyGigWorkYear = "0 10,25,40,55 * * * *";
}
