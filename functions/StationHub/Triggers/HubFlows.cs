using StationHub.Contract;
using StationHub.Delivery;
using StationHub.GigWork;
using StationHub.HazardReports;
using StationHub.Ledger;
using StationHub.PickupOrders;
using StationHub.Points;
using StationHub.Stations;
using StationHub.Tenants;

namespace StationHub.Triggers;

/// <summary>The flow list: every flow of the hub, once. Hub-wide code loops over it; a new flow is its folder and one line here.</summary>
public static class HubFlows
{
    public static IReadOnlyList<FlowModule> All { get; } =
    [
        new HazardReportsModule(),
        new PickupOrdersModule(),
        new PointsModule(),
        new LedgerModule(),
        new DeliveryModule(),
        new ContractModule(),
        new StationsModule(),
        new GigWorkModule(),
        new TenantsModule(),
    ];
}
