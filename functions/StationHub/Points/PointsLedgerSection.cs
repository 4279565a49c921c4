using StationHub.Ledger;

namespace StationHub.Points;

/// <summary>Points' part of the public ledger: every <c>points.*</c> figure sums points (issued, reversed, reserved, redeemed, released).</summary>
public sealed class PointsLedgerSection : LedgerSection
{
    public override bool IsSum(string kind) => kind.StartsWith("points.", StringComparison.Ordinal);
}
