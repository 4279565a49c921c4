using StationHub.PickupOrders;

namespace StationHub.Tests.PickupOrders;

public sealed class PickupOrderRulesTests
{
    [Theory]
    [InlineData(PickupOrderStatus.Created, PickupOrderEventKind.Arrived, true)]
    [InlineData(PickupOrderStatus.Created, PickupOrderEventKind.Cancelled, true)]
    [InlineData(PickupOrderStatus.Created, PickupOrderEventKind.Collected, false)]
    [InlineData(PickupOrderStatus.Created, PickupOrderEventKind.Expired, false)]
    [InlineData(PickupOrderStatus.Arrived, PickupOrderEventKind.Collected, true)]
    [InlineData(PickupOrderStatus.Arrived, PickupOrderEventKind.Expired, true)]
    [InlineData(PickupOrderStatus.Arrived, PickupOrderEventKind.Cancelled, true)]
    [InlineData(PickupOrderStatus.Arrived, PickupOrderEventKind.Arrived, false)]
    [InlineData(PickupOrderStatus.Collected, PickupOrderEventKind.Cancelled, false)]
    [InlineData(PickupOrderStatus.Collected, PickupOrderEventKind.Expired, false)]
    [InlineData(PickupOrderStatus.Expired, PickupOrderEventKind.Collected, false)]
    [InlineData(PickupOrderStatus.Cancelled, PickupOrderEventKind.Arrived, false)]
    public void The_state_machine_allows_only_its_moves(PickupOrderStatus from, PickupOrderEventKind kind, bool allowed)
    {
        Assert.Equal(allowed, PickupOrderMachine.Allows(from, kind));
    }

    [Theory]
    [InlineData(0, 20, 0, 0)]
    [InlineData(1, 20, 1, 0)]
    [InlineData(4, 20, 4, 0)]
    [InlineData(5, 20, 4, 1)]
    [InlineData(999, 20, 800, 199)]
    [InlineData(1000, 20, 800, 200)]
    [InlineData(1000, 0, 1000, 0)]
    [InlineData(1000, 100, 0, 1000)]
    public void The_fund_share_is_rounded_down_to_the_fen(long amount, int percent, long station, long fund)
    {
        Assert.Equal((station, fund), RevenueSplit.Split(amount, percent));
    }

    [Fact]
    public void The_split_never_loses_or_makes_a_fen()
    {
        // Property: for any amount and share, the parts add up exactly and the fund gets the
        // largest whole fen not above its share.
        var random = new Random(20261122);
        for (var i = 0; i < 100_000; i++)
        {
            var amount = i < 1000 ? i : random.NextInt64(0, PickupOrderIntake.MaxFen * 1000);
            var percent = random.Next(0, 101);

            var (station, fund) = RevenueSplit.Split(amount, percent);

            Assert.Equal(amount, station + fund);
            Assert.InRange(fund, 0, amount);
            Assert.True(fund * 100 <= amount * percent && (fund + 1) * 100 > amount * percent, $"{amount} at {percent}% gave {fund}");
        }
    }

    [Fact]
    public void A_pickup_code_is_six_digits_and_only_its_digest_matches()
    {
        var codes = new PickupCodes(new StationHub.Platform.Security.Pseudonyms(new byte[32]));
        var seen = new HashSet<string>();
        for (var i = 0; i < 200; i++)
        {
            var code = codes.NewCode();
            Assert.Matches("^[0-9]{6}$", code);
            seen.Add(code);
        }

        var one = codes.NewCode();
        var digest = codes.Digest("po-1", one);
        Assert.True(codes.Matches("po-1", one, digest));
        Assert.False(codes.Matches("po-2", one, digest));
        Assert.False(codes.Matches("po-1", one == "000000" ? "000001" : "000000", digest));
        Assert.DoesNotContain(one, digest, StringComparison.Ordinal);
        Assert.True(seen.Count > 190);
    }
}
