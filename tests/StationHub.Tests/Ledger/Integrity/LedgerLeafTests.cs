using System.Text;
using StationHub.Ledger;
using StationHub.Ledger.Integrity;

namespace StationHub.Tests.Ledger.Integrity;

public sealed class LedgerLeafTests
{
    private static readonly (string Scope, string Kind, long Value)[] Day =
    [
        (LedgerScopes.Station("st-hz-01"), LedgerKinds.PickupCollected, 37),
        (LedgerScopes.Hub, LedgerKinds.ReportReceived, 12),
        (LedgerScopes.District("330102"), LedgerKinds.ReportReceived, 9),
        (LedgerScopes.Station("st-hz-01"), LedgerKinds.PickupRevenue("handling_fee"), 18_500),
        (LedgerScopes.Hub, LedgerKinds.DeliveryFailed, 0),
        (LedgerScopes.Station("st-hz-01"), LedgerKinds.PickupReceived, 40),
    ];

    [Fact]
    public void A_leaf_is_the_canonical_json_of_kind_scope_and_value()
    {
        var leaf = LedgerLeaf.Leaf("station~st-hz-01", "pickup.collected", 37);

        Assert.Equal("{\"kind\":\"pickup.collected\",\"scope\":\"station~st-hz-01\",\"value\":37}", Encoding.UTF8.GetString(leaf));
    }

    [Fact]
    public void The_leaves_of_a_day_run_in_byte_order()
    {
        var leaves = LedgerLeaf.Leaves(Day).Select(l => Encoding.UTF8.GetString(l)).ToArray();

        Assert.Equal(
            [
                "{\"kind\":\"delivery.failed\",\"scope\":\"hub\",\"value\":0}",
                "{\"kind\":\"pickup.collected\",\"scope\":\"station~st-hz-01\",\"value\":37}",
                "{\"kind\":\"pickup.received\",\"scope\":\"station~st-hz-01\",\"value\":40}",
                "{\"kind\":\"pickup.revenue.handling_fee\",\"scope\":\"station~st-hz-01\",\"value\":18500}",
                "{\"kind\":\"report.received\",\"scope\":\"district~330102\",\"value\":9}",
                "{\"kind\":\"report.received\",\"scope\":\"hub\",\"value\":12}",
            ],
            leaves);
    }

    [Fact]
    public void The_order_of_the_figures_does_not_change_the_leaves()
    {
        var expected = LedgerLeaf.Leaves(Day);
        var random = new Random(8785);

        for (var i = 0; i < 20; i++)
        {
            var shuffled = Day.OrderBy(_ => random.Next()).ToArray();
            Assert.Equal(expected, LedgerLeaf.Leaves(shuffled));
        }
    }

    [Fact]
    public void A_kind_comes_before_the_longer_kinds_it_begins()
    {
        var leaves = LedgerLeaf.Leaves([("hub", "report.received", 10), ("hub", "report.received.late", 1), ("hub", "report", 1)]);

        var ordered = leaves.Select(l => Encoding.UTF8.GetString(l)).ToArray();
        Assert.Equal("{\"kind\":\"report\",\"scope\":\"hub\",\"value\":1}", ordered[0]);
        Assert.True(ordered.Zip(ordered.Skip(1)).All(p => string.CompareOrdinal(p.First, p.Second) < 0));
    }

    [Fact]
    public void Each_figure_of_a_day_can_be_proven_on_its_own()
    {
        var leaves = LedgerLeaf.Leaves(Day);
        var tree = new MerkleTree(leaves);
        var figure = LedgerLeaf.Leaf(LedgerScopes.District("330102"), LedgerKinds.ReportReceived, 9);
        var index = leaves.ToList().FindIndex(l => l.AsSpan().SequenceEqual(figure));

        Assert.True(MerkleTree.VerifyInclusion(figure, index, leaves.Count, tree.InclusionProof(index), tree.RootHash));
        var altered = LedgerLeaf.Leaf(LedgerScopes.District("330102"), LedgerKinds.ReportReceived, 10);
        Assert.False(MerkleTree.VerifyInclusion(altered, index, leaves.Count, tree.InclusionProof(index), tree.RootHash));
    }

    [Fact]
    public void Two_figures_for_the_same_scope_and_kind_are_refused()
    {
        Assert.Throws<ArgumentException>(() => LedgerLeaf.Leaves([("hub", "report.received", 1), ("hub", "report.received", 2)]));
    }

    [Theory]
    [InlineData(9_007_199_254_740_992L)]
    [InlineData(-9_007_199_254_740_992L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void A_value_a_double_cannot_hold_exactly_is_refused(long value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LedgerLeaf.Leaf("hub", "report.received", value));
    }

    [Theory]
    [InlineData(9_007_199_254_740_991L, "9007199254740991")]
    [InlineData(-9_007_199_254_740_991L, "-9007199254740991")]
    [InlineData(0L, "0")]
    [InlineData(1_000_000_000_000L, "1000000000000")]
    public void A_value_is_written_as_its_exact_integer(long value, string written)
    {
        var leaf = Encoding.UTF8.GetString(LedgerLeaf.Leaf("hub", "pickup.revenue.commission", value));

        Assert.EndsWith("\"value\":" + written + "}", leaf, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_are_escaped_as_canonical_json_strings()
    {
        var leaf = Encoding.UTF8.GetString(LedgerLeaf.Leaf("station~杭州-01", "note \"quoted\"\n", 1));

        Assert.Equal("{\"kind\":\"note \\\"quoted\\\"\\n\",\"scope\":\"station~杭州-01\",\"value\":1}", leaf);
    }

    [Fact]
    public void A_day_without_figures_has_no_leaves_and_the_empty_root()
    {
        var leaves = LedgerLeaf.Leaves([]);

        Assert.Empty(leaves);
        Assert.Equal(Convert.FromHexString("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), MerkleTree.Root(leaves));
    }
}
