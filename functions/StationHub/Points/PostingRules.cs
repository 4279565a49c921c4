namespace StationHub.Points;

/// <summary>
/// The postings of each kind of transaction. Every set sums to zero: points move between
/// accounts, they are never made or lost on the way.
/// </summary>
public static class PostingRules
{
    public static IReadOnlyList<Posting> For(PointsKind kind, string courierPseudonym, long points, string? reward = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(points);
        var courier = PointsAccounts.Courier(courierPseudonym);
        return kind switch
        {
            PointsKind.Earned => [new(PointsAccounts.Issuing, -points), new(courier, points)],
            PointsKind.Reversed => [new(courier, -points), new(PointsAccounts.Issuing, points)],
            PointsKind.Redeemed => [new(courier, -points), new(PointsAccounts.Clearing, points)],
            PointsKind.Settled => [new(PointsAccounts.Clearing, -points), new(PointsAccounts.Redeemed(reward ?? throw new ArgumentNullException(nameof(reward))), points)],
            PointsKind.Released => [new(PointsAccounts.Clearing, -points), new(courier, points)],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
