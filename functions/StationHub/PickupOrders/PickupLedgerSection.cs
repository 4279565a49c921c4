using StationHub.Ledger;

namespace StationHub.PickupOrders;

/// <summary>Pickup orders' part of the public ledger: revenue and the governance fund's share are sums of fen; the order counts count.</summary>
public sealed class PickupLedgerSection : LedgerSection
{
    public override bool IsSum(string kind) =>
        kind.StartsWith("pickup.revenue.", StringComparison.Ordinal) || kind.StartsWith("pickup.fund.", StringComparison.Ordinal);
}
