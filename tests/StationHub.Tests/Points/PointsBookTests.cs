using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Platform;
using StationHub.Points;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Points;

/// <summary>The double-entry book on a real Azurite: exactly once, balanced, never negative.</summary>
[RunsLong(10)]
public sealed class PointsBookTests() : HubLibraryTests(Now)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private PointsBook Book => Get<PointsBook>();

    [Theory]
    [InlineData(PointsKind.Earned)]
    [InlineData(PointsKind.Redeemed)]
    [InlineData(PointsKind.Reversed)]
    [InlineData(PointsKind.Settled)]
    [InlineData(PointsKind.Released)]
    public void Every_kind_of_transaction_posts_a_balanced_set(PointsKind kind)
    {
        var postings = PostingRules.For(kind, "cp_x", 7, "skills_course");

        Assert.Equal(0, postings.Sum(p => p.Amount));
        Assert.Equal(2, postings.Count);
    }

    [Fact]
    public async Task A_transaction_delivered_twice_is_applied_once()
    {
        var earn = Earn("c1", "e1", "mediation");

        var first = await Book.ApplyAsync(earn);
        var again = await Book.ApplyAsync(earn);

        Assert.True(first.Applied);
        Assert.False(first.Repeat);
        Assert.True(again.Repeat);
        Assert.Equal(10, (await Book.FindBalanceAsync("c1"))!.Available);
    }

    [Fact]
    public async Task A_redemption_beyond_the_balance_is_a_recorded_rejection()
    {
        await Book.ApplyAsync(Earn("c2", "e1", "patrol_hour"));

        var redeem = Redeem("c2", "r1", "ebike_repair_voucher");
        var rejected = await Book.ApplyAsync(redeem);
        await Book.ApplyAsync(Earn("c2", "e2", "emergency_assistance"));
        var stillRejected = await Book.ApplyAsync(redeem);

        Assert.False(rejected.Applied);
        Assert.Contains("costs 30", rejected.Record.Reason, StringComparison.Ordinal);
        Assert.True(stillRejected.Repeat);
        Assert.False(stillRejected.Applied);
        Assert.Equal(25, (await Book.FindBalanceAsync("c2"))!.Available);
    }

    [Fact]
    public async Task A_reversal_needs_points_earned_not_yet_reversed_nor_spent()
    {
        await Book.ApplyAsync(Earn("c3", "e1", "emergency_assistance"));
        await Book.ApplyAsync(Earn("c3", "e2", "emergency_assistance"));
        await Book.ApplyAsync(Earn("c3", "e3", "emergency_assistance"));

        var never = await Book.ApplyAsync(Reverse("c3", "v0", "nothing"));
        var once = await Book.ApplyAsync(Reverse("c3", "v1", "e1"));
        var twice = await Book.ApplyAsync(Reverse("c3", "v2", "e1"));
        var redeemed = await Book.ApplyAsync(Redeem("c3", "r1", "ebike_repair_voucher"));
        var spent = await Book.ApplyAsync(Reverse("c3", "v3", "e2"));

        Assert.False(never.Applied);
        Assert.True(once.Applied);
        Assert.False(twice.Applied);
        Assert.Contains("already reversed", twice.Record.Reason, StringComparison.Ordinal);
        Assert.True(redeemed.Applied);
        Assert.False(spent.Applied);
        Assert.Contains("below zero", spent.Record.Reason, StringComparison.Ordinal);
        var balance = (await Book.FindBalanceAsync("c3"))!;
        Assert.Equal(10, balance.Available);
        Assert.Equal(30, balance.Reserved);
    }

    [Fact]
    public async Task A_voucher_is_settled_once_even_by_two_stations_at_once()
    {
        await Book.ApplyAsync(Earn("c4", "e1", "emergency_assistance"));
        await Book.ApplyAsync(Earn("c4", "e2", "emergency_assistance"));
        var redeemed = await Book.ApplyAsync(Redeem("c4", "r1", "ebike_repair_voucher"));
        var code = redeemed.Record.VoucherCode!;

        var outcomes = await Task.WhenAll(
            Book.ApplyAsync(Settle("c4", code, "st-hz-01")),
            Book.ApplyAsync(Settle("c4", code, "st-hz-02")));

        Assert.Single(outcomes, o => o.Applied && !o.Repeat);
        Assert.Equal(VoucherStatus.Settled, (await Book.FindVoucherAsync(code))!.Status);
        var balance = (await Book.FindBalanceAsync("c4"))!;
        Assert.Equal((10L, 0L), (balance.Available, balance.Reserved));
        await AssertInvariantsAsync();
    }

    [Fact]
    public async Task An_unsettled_voucher_releases_its_points_after_it_expires_and_not_before()
    {
        await Book.ApplyAsync(Earn("c5", "e1", "emergency_assistance"));
        await Book.ApplyAsync(Earn("c5", "e2", "emergency_assistance"));
        var code = (await Book.ApplyAsync(Redeem("c5", "r1", "ebike_repair_voucher"))).Record.VoucherCode!;

        var early = await Book.ApplyAsync(Release("c5", code, Now.AddDays(29)));
        var due = await Book.ApplyAsync(Release("c5", code, Now.AddDays(31)));
        var settleLate = await Book.ApplyAsync(Settle("c5", code, "st-hz-01", Now.AddDays(32)));

        Assert.False(early.Applied);
        Assert.True(due.Applied);
        Assert.False(settleLate.Applied);
        var balance = (await Book.FindBalanceAsync("c5"))!;
        Assert.Equal((40L, 0L), (balance.Available, balance.Reserved));
        await AssertInvariantsAsync();
    }

    [Fact]
    public async Task Random_sequences_with_repeats_reordering_and_two_workers_keep_the_book_balanced_and_never_negative()
    {
        // Property: whatever the order, repeats and concurrency, the sum of all accounts is zero, no
        // courier balance goes below zero, and each balance is what its postings say.
        var random = new Random(4242);
        var couriers = new[] { "p1", "p2", "p3" };
        var operations = new List<PointsTransactionRequested>();
        var earns = new Dictionary<string, List<string>>();
        var redeems = new Dictionary<string, List<string>>();
        var tasks = new[] { "snapshot_report", "patrol_hour", "mediation", "emergency_assistance" };
        var rewards = new[] { "ebike_repair_voucher", "skills_course", "insurance_subsidy" };
        for (var i = 0; i < 90; i++)
        {
            var courier = couriers[random.Next(couriers.Length)];
            var roll = random.Next(100);
            if (roll < 45 || !earns.ContainsKey(courier))
            {
                var id = $"e{i}";
                operations.Add(Earn(courier, id, tasks[random.Next(tasks.Length)]));
                earns.TryAdd(courier, []);
                earns[courier].Add(id);
            }
            else if (roll < 65)
            {
                var id = $"r{i}";
                operations.Add(Redeem(courier, id, rewards[random.Next(rewards.Length)]));
                redeems.TryAdd(courier, []);
                redeems[courier].Add(id);
            }
            else if (roll < 75)
            {
                operations.Add(Reverse(courier, $"v{i}", earns[courier][random.Next(earns[courier].Count)]));
            }
            else if (redeems.TryGetValue(courier, out var mine))
            {
                var code = Book.VoucherCodeFor(InternalId(mine[random.Next(mine.Count)]));
                operations.Add(roll < 88 ? Settle(courier, code, "st-hz-01") : Release(courier, code, Now.AddDays(40)));
            }
        }

        var deliveries = operations.SelectMany(o => Enumerable.Repeat(o, random.Next(1, 4))).OrderBy(_ => random.Next()).ToList();
        var half = deliveries.Count / 2;
        await Task.WhenAll(
            Task.Run(async () => { foreach (var o in deliveries.Take(half + 10)) { await Book.ApplyAsync(o); } }),
            Task.Run(async () => { foreach (var o in deliveries.Skip(half - 10)) { await Book.ApplyAsync(o); } }));

        var records = await AssertInvariantsAsync();
        Assert.Equal(operations.Select(o => o.TransactionId).Distinct().Count(o => !o.StartsWith("settle~", StringComparison.Ordinal) && !o.StartsWith("release~", StringComparison.Ordinal)),
            records.Count(r => !r.RowKey.StartsWith("tx~settle~", StringComparison.Ordinal) && !r.RowKey.StartsWith("tx~release~", StringComparison.Ordinal)));
        Assert.Contains(records, r => r.Status == TransactionStatus.Applied && r.Kind == nameof(PointsKind.Redeemed));
        Assert.Contains(records, r => r.Status == TransactionStatus.Rejected);
    }

    private async Task<List<TransactionEntity>> AssertInvariantsAsync()
    {
        var table = Storage.Hub.Table(Tables.PointsAccounts);
        var postings = new List<PostingEntity>();
        var balances = new List<BalanceEntity>();
        var records = new List<TransactionEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            if (row.RowKey.StartsWith("p~", StringComparison.Ordinal))
            {
                postings.Add(new PostingEntity { PartitionKey = row.PartitionKey, RowKey = row.RowKey, Account = row.GetString("Account"), Amount = row.GetInt64("Amount")!.Value, TransactionId = row.GetString("TransactionId") });
            }
            else if (row.RowKey == BalanceEntity.Row)
            {
                balances.Add(new BalanceEntity { PartitionKey = row.PartitionKey, Available = row.GetInt64("Available")!.Value, Reserved = row.GetInt64("Reserved")!.Value });
            }
            else if (row.RowKey.StartsWith("tx~", StringComparison.Ordinal))
            {
                records.Add(new TransactionEntity { PartitionKey = row.PartitionKey, RowKey = row.RowKey, Kind = row.GetString("Kind"), Status = row.GetString("Status") });
            }
        }

        Assert.Equal(0, postings.Sum(p => p.Amount));
        foreach (var group in postings.GroupBy(p => p.TransactionId))
        {
            Assert.Equal(0, group.Sum(p => p.Amount));
        }

        foreach (var balance in balances)
        {
            var courier = PointsAccounts.Courier(balance.PartitionKey["c~".Length..]);
            Assert.True(balance.Available >= 0, $"{courier} went negative: {balance.Available}");
            Assert.True(balance.Reserved >= 0, $"{courier} reserved below zero: {balance.Reserved}");
            Assert.Equal(postings.Where(p => p.PartitionKey == balance.PartitionKey && p.Account == courier).Sum(p => p.Amount), balance.Available);
            Assert.Equal(postings.Where(p => p.PartitionKey == balance.PartitionKey && p.Account == PointsAccounts.Clearing).Sum(p => p.Amount), balance.Reserved);
        }

        return records;
    }

    private static string InternalId(string id) => "swiftride~" + id;

    private static PointsTransactionRequested Earn(string courier, string id, string task) =>
        new(1, id, Now, InternalId(id), PointsKind.Earned, "swiftride", courier, Task: task, StationId: "st-hz-01", PlatformTransactionId: id);

    private static PointsTransactionRequested Redeem(string courier, string id, string reward) =>
        new(1, id, Now, InternalId(id), PointsKind.Redeemed, "swiftride", courier, Reward: reward, PlatformTransactionId: id);

    private static PointsTransactionRequested Reverse(string courier, string id, string original) =>
        new(1, id, Now, InternalId(id), PointsKind.Reversed, "swiftride", courier, Reference: InternalId(original), PlatformTransactionId: id);

    private static PointsTransactionRequested Settle(string courier, string code, string station, DateTimeOffset? at = null) =>
        new(1, code, at ?? Now, PointsBook.SettlementId(code), PointsKind.Settled, "swiftride", courier, StationId: station, VoucherCode: code);

    private static PointsTransactionRequested Release(string courier, string code, DateTimeOffset at) =>
        new(1, code, at, PointsBook.ReleaseId(code), PointsKind.Released, "swiftride", courier, VoucherCode: code);
}
