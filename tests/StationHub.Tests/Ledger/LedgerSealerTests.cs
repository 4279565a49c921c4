using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StationHub.Ledger;
using StationHub.Ledger.Integrity;
using StationHub.Platform;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Ledger;

/// <summary>Sealing days on a fake clock over a real Azurite: the chain, the time zone, missed and repeated runs.</summary>
public sealed class LedgerSealerTests() : HubLibraryTests(LedgerStart, LedgerFromStart)
{
    [Fact]
    public async Task Missed_runs_catch_up_in_order_with_days_cut_at_the_citys_midnight()
    {
        var writer = Services.GetRequiredService<LedgerEntryWriter>();
        await writer.WriteAsync(
        [
            new LedgerEntry(LedgerKinds.ReportReceived, LedgerScopes.District("330102"), "hr-a", new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero)),
            // 16:30 UTC is 00:30 the next day in Shanghai.
            new LedgerEntry(LedgerKinds.ReportReceived, LedgerScopes.District("330102"), "hr-b", new DateTimeOffset(2026, 11, 20, 16, 30, 0, TimeSpan.Zero)),
            new LedgerEntry(LedgerKinds.ReportReceived, LedgerScopes.District("330106"), "hr-c", new DateTimeOffset(2026, 11, 21, 3, 0, 0, TimeSpan.Zero)),
            new LedgerEntry(LedgerKinds.PickupRevenue("commission"), LedgerScopes.Station("st-hz-01"), "po-a", new DateTimeOffset(2026, 11, 21, 3, 0, 0, TimeSpan.Zero), 1001),
            new LedgerEntry(LedgerKinds.PickupFund("commission"), LedgerScopes.Station("st-hz-01"), "po-a", new DateTimeOffset(2026, 11, 21, 3, 0, 0, TimeSpan.Zero), 200),
            new LedgerEntry(LedgerKinds.PointsIssued("mediation"), LedgerScopes.Hub, "t-1", new DateTimeOffset(2026, 11, 21, 4, 0, 0, TimeSpan.Zero), 10),
            new LedgerEntry(LedgerKinds.PointsRedeemed("skills_course"), LedgerScopes.Hub, "t-2", new DateTimeOffset(2026, 11, 22, 4, 0, 0, TimeSpan.Zero), 4),
        ]);
        var sealer = Services.GetRequiredService<LedgerSealer>();

        // At 00:10 on 23 November in Shanghai the 22nd is still in its grace hour: two days seal.
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 22, 16, 10, 0, TimeSpan.Zero));
        Assert.Equal(2, await sealer.SealAsync());

        // The hub was then down for the hour; the next run seals the day it missed.
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 22, 17, 10, 0, TimeSpan.Zero));
        Assert.Equal(1, await sealer.SealAsync());
        Assert.Equal(0, await sealer.SealAsync());

        var store = Services.GetRequiredService<LedgerStore>();
        var days = await store.SealedAsync();
        Assert.Equal(["2026-11-20", "2026-11-21", "2026-11-22"], days.Select(d => d.RowKey).ToArray());
        Assert.Equal(string.Empty, days[0].PrevHash);
        Assert.Equal(days[0].Hash, days[1].PrevHash);
        Assert.Equal(days[1].Hash, days[2].PrevHash);

        var first = await DayAsync(store, "2026-11-20");
        var second = await DayAsync(store, "2026-11-21");
        var third = await DayAsync(store, "2026-11-22");
        Assert.Equal(1, Figure(first, "total", "report.received"));
        Assert.Equal(2, Figure(second, "total", "report.received"));
        Assert.Equal(1, Figure(second, "district~330106", "report.received"));
        Assert.Equal(1001, Figure(second, "station~st-hz-01", "pickup.revenue.commission"));
        Assert.Equal(200, Figure(second, "station~st-hz-01", "pickup.fund.commission"));
        Assert.Equal(10, Figure(second, "total", LedgerDay.OutstandingPoints));
        Assert.Equal(6, Figure(third, "total", LedgerDay.OutstandingPoints));
        Assert.All([first, second, third], d => Assert.True(DayHash.IsIntact(d)));
    }

    [Fact]
    public async Task Two_hosts_sealing_at_once_make_each_day_once_and_the_same()
    {
        await Services.GetRequiredService<LedgerEntryWriter>().WriteAsync(
            [new LedgerEntry(LedgerKinds.DeliveryMade, LedgerScopes.Hub, "msg_1", new DateTimeOffset(2026, 11, 20, 5, 0, 0, TimeSpan.Zero))]);
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 21, 18, 0, 0, TimeSpan.Zero));
        var other = new LedgerSealer(Services.GetRequiredService<LedgerStore>(), Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LedgerOptions>>(), Clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<LedgerSealer>.Instance);

        var sealedCounts = await Task.WhenAll(Services.GetRequiredService<LedgerSealer>().SealAsync(), other.SealAsync());

        Assert.Equal(2, sealedCounts.Sum());
        var days = await Services.GetRequiredService<LedgerStore>().SealedAsync();
        Assert.Equal(2, days.Count);
        Assert.Equal(days[0].Hash, days[1].PrevHash);
    }

    [Fact]
    public async Task The_day_so_far_is_a_draft_that_is_not_sealed()
    {
        await Services.GetRequiredService<LedgerEntryWriter>().WriteAsync(
            [new LedgerEntry(LedgerKinds.ReportReceived, LedgerScopes.District("330102"), "hr-x", Clock.GetUtcNow())]);

        await Services.GetRequiredService<LedgerSealer>().CompileTodayAsync();

        var store = Services.GetRequiredService<LedgerStore>();
        var draft = await store.FindDraftAsync(new DateOnly(2026, 11, 20));
        using var document = JsonDocument.Parse(draft!.Json);
        Assert.False(document.RootElement.GetProperty("sealed").GetBoolean());
        Assert.False(document.RootElement.TryGetProperty("hash", out _));
        Assert.Empty(await store.SealedAsync());
    }

    [Fact]
    public async Task Each_day_has_its_own_entry_table_read_scope_by_scope_and_the_same_fact_counts_once()
    {
        var writer = Services.GetRequiredService<LedgerEntryWriter>();
        LedgerEntry[] entries =
        [
            new(LedgerKinds.ReportReceived, LedgerScopes.District("330102"), "hr-a", new DateTimeOffset(2026, 11, 20, 2, 0, 0, TimeSpan.Zero)),
            new(LedgerKinds.PickupRevenue("commission"), LedgerScopes.Station("st-hz-01"), "po-a", new DateTimeOffset(2026, 11, 20, 3, 0, 0, TimeSpan.Zero), 1001),
            new(LedgerKinds.PointsIssued("mediation"), LedgerScopes.Hub, "t-1", new DateTimeOffset(2026, 11, 20, 4, 0, 0, TimeSpan.Zero), 10),
            // 17:00 UTC is 01:00 the next day in Shanghai: the next day's table.
            new(LedgerKinds.ReportReceived, LedgerScopes.District("330106"), "hr-b", new DateTimeOffset(2026, 11, 20, 17, 0, 0, TimeSpan.Zero)),
        ];

        await writer.WriteAsync(entries);
        await writer.WriteAsync(entries);

        var store = Services.GetRequiredService<LedgerStore>();
        var first = await store.EntriesOfAsync(new DateOnly(2026, 11, 20));
        var second = await store.EntriesOfAsync(new DateOnly(2026, 11, 21));
        Assert.Equal(
            ["district~330102 report.received 1", "hub points.issued.mediation 10", "station~st-hz-01 pickup.revenue.commission 1001"],
            first.Select(e => $"{e.Scope} {e.Kind} {e.Amount}").Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["district~330106 report.received 1"], second.Select(e => $"{e.Scope} {e.Kind} {e.Amount}").ToArray());
        Assert.Empty(await store.EntriesOfAsync(new DateOnly(2026, 11, 22)));
        Assert.Equal(4, (await Storage.LedgerEntriesAsync()).Count);

        var tables = new List<string>();
        await foreach (var table in Storage.Hub.TableService.QueryAsync(t => t.Name.CompareTo(Storage.Prefix) >= 0))
        {
            tables.Add(table.Name);
        }

        Assert.Contains(Storage.Hub.TableName("LedgerEntries20261120"), tables);
        Assert.Contains(Storage.Hub.TableName("LedgerEntries20261121"), tables);
    }

    [Fact]
    public async Task After_an_outage_longer_than_the_recent_window_the_chain_carries_on_from_its_last_day()
    {
        await Services.GetRequiredService<LedgerEntryWriter>().WriteAsync(
            [new LedgerEntry(LedgerKinds.PointsIssued("mediation"), LedgerScopes.Hub, "t-1", new DateTimeOffset(2026, 11, 20, 4, 0, 0, TimeSpan.Zero), 10)]);
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 21, 18, 0, 0, TimeSpan.Zero));
        Assert.Equal(2, await Services.GetRequiredService<LedgerSealer>().SealAsync());

        // Down for longer than LedgerStore.RecentDays, and back without a start date configured:
        // the last sealed day is found all the same, and the chain goes on from it.
        var days = LedgerStore.RecentDays + 9;
        Clock.SetUtcNow(Clock.GetUtcNow().AddDays(days));
        var restarted = new LedgerSealer(
            Services.GetRequiredService<LedgerStore>(),
            Microsoft.Extensions.Options.Options.Create(new LedgerOptions()),
            Clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<LedgerSealer>.Instance);
        Assert.Equal(days, await restarted.SealAsync());

        var chain = await Services.GetRequiredService<LedgerStore>().SealedAsync();
        Assert.Equal(days + 2, chain.Count);
        Assert.Equal(string.Empty, chain[0].PrevHash);
        Assert.All(chain.Skip(1).Zip(chain), pair => Assert.Equal(pair.Second.Hash, pair.First.PrevHash));
        Assert.All(chain, day => Assert.Equal(10, day.Outstanding));
    }

    [Fact]
    public async Task A_late_entry_is_carried_once_into_the_first_open_day_apart_from_its_figures_and_moves_the_points_outstanding()
    {
        var writer = Services.GetRequiredService<LedgerEntryWriter>();
        var counted = new LedgerEntry(LedgerKinds.PointsIssued("mediation"), LedgerScopes.Hub, "t-1", new DateTimeOffset(2026, 11, 20, 4, 0, 0, TimeSpan.Zero), 10);
        await writer.WriteAsync([counted]);
        var sealer = Services.GetRequiredService<LedgerSealer>();
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 21, 17, 0, 0, TimeSpan.Zero));
        Assert.Equal(2, await sealer.SealAsync());

        // After the 20th was sealed: a fact of that day it never saw, and a repeat of one it counted.
        var lateAt = new DateTimeOffset(2026, 11, 20, 5, 0, 0, TimeSpan.Zero);
        LedgerEntry[] late =
        [
            new(LedgerKinds.PointsIssued("mediation"), LedgerScopes.Hub, "t-late", lateAt, 5),
            new(LedgerKinds.ReportReceived, LedgerScopes.District("330102"), "hr-late", lateAt),
            counted,
        ];
        await writer.WriteAsync(late);
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 22, 17, 0, 0, TimeSpan.Zero));
        Assert.Equal(1, await sealer.SealAsync());

        // The same late facts again: the next day carries nothing more.
        await writer.WriteAsync(late);
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 23, 17, 0, 0, TimeSpan.Zero));
        Assert.Equal(1, await sealer.SealAsync());

        var store = Services.GetRequiredService<LedgerStore>();
        var first = await DayAsync(store, "2026-11-20");
        var carrying = await DayAsync(store, "2026-11-22");
        var after = await DayAsync(store, "2026-11-23");
        Assert.Equal(10, Figure(first, "total", "points.issued.mediation"));
        var correction = carrying.GetProperty(LedgerDay.CorrectionsMember).GetProperty("2026-11-20");
        Assert.Equal(5, correction.GetProperty("hub").GetProperty("points.issued.mediation").GetInt64());
        Assert.Equal(1, correction.GetProperty("district~330102").GetProperty("report.received").GetInt64());
        Assert.Equal(5, correction.GetProperty("total").GetProperty("points.issued.mediation").GetInt64());
        Assert.False(carrying.GetProperty("figures").GetProperty("total").TryGetProperty("points.issued.mediation", out _));
        Assert.Equal(15, Figure(carrying, "total", LedgerDay.OutstandingPoints));
        Assert.False(after.TryGetProperty(LedgerDay.CorrectionsMember, out _));
        Assert.Equal(15, Figure(after, "total", LedgerDay.OutstandingPoints));
        Assert.Equal(LedgerDay.LeavesOf(carrying).Count(), carrying.GetProperty("leafCount").GetInt32());
        Assert.All([first, carrying, after], d => Assert.True(DayHash.IsIntact(d)));
    }

    private static async Task<JsonElement> DayAsync(LedgerStore store, string date)
    {
        var day = await store.FindSealedAsync(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture));
        return JsonDocument.Parse(day!.Json).RootElement.Clone();
    }

    private static long Figure(JsonElement day, string scope, string kind) => day.GetProperty("figures").GetProperty(scope).GetProperty(kind).GetInt64();
}

/// <summary>The public ledger over HTTP: list, days, proofs, the page, and the verifier against a tampered copy.</summary>
public sealed class LedgerApiTests
{
    [Fact]
    public async Task The_verifier_passes_on_the_published_chain_and_names_the_first_tampered_day()
    {
        var clock = CityDays.StartClock();
        var yesterday = CityDays.Of(clock.GetUtcNow()).AddDays(-1);
        var start = yesterday.AddDays(-2);
        await using var world = await HubScenario.StartAsync(clock: clock, configure: s =>
        {
            s["LocalHost:TriggersDisabled"] = "true";
            s["Ledger:SealGrace"] = "00:00:00";
            s["Ledger:StartDate"] = start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        });
        var noon = new DateTimeOffset(yesterday.ToDateTime(new TimeOnly(4, 0)), TimeSpan.Zero);
        await world.Hub.Get<LedgerEntryWriter>().WriteAsync(
        [
            new LedgerEntry(LedgerKinds.PickupCollected, LedgerScopes.Station("st-hz-01"), "po-1", noon, 2),
            new LedgerEntry(LedgerKinds.PickupRevenue("handling_fee"), LedgerScopes.Station("st-hz-01"), "po-1", noon, 150),
            new LedgerEntry(LedgerKinds.ReportReceived, LedgerScopes.District("330102"), "hr-1", noon),
        ]);
        Assert.Equal(3, await world.Hub.Get<LedgerSealer>().SealAsync());
        var verifier = new LedgerVerifier(world.Hub.Client);

        var good = await verifier.VerifyAsync();
        var proved = await verifier.VerifyProofAsync(yesterday.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "station~st-hz-01", "pickup.revenue.handling_fee");
        using var page = await world.Hub.Client.GetAsync("ledger");
        var html = await page.Content.ReadAsStringAsync();

        Assert.True(good.Ok, good.Reason);
        Assert.Equal(3, good.DaysChecked);
        Assert.True(proved);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.StartsWith("text/html", page.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Equal(3, html.Split("<svg", StringSplitOptions.None).Length - 1);
        Assert.Contains("1.50", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);

        // Quietly change the middle day's revenue in storage: the verifier names that day.
        var table = world.Storage.Hub.Table(StationHub.Triggers.Tables.LedgerDays);
        var key = yesterday.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var stored = (await table.GetEntityAsync<LedgerDayEntity>(LedgerDayEntity.SealedPartition, key)).Value;
        stored.Json = stored.Json.Replace("\"pickup.revenue.handling_fee\":150", "\"pickup.revenue.handling_fee\":15", StringComparison.Ordinal);
        await table.UpdateEntityAsync(stored, stored.ETag);

        var bad = await verifier.VerifyAsync();
        Assert.False(bad.Ok);
        Assert.Equal(key, bad.FirstBadDay);
    }

    [Fact]
    public async Task The_verifier_names_a_day_whose_correction_is_not_of_an_earlier_sealed_day_even_when_its_hash_holds()
    {
        var clock = CityDays.StartClock();
        var today = CityDays.Of(clock.GetUtcNow());
        await using var world = await HubScenario.StartAsync(clock: clock, configure: s =>
        {
            s["LocalHost:TriggersDisabled"] = "true";
            s["Ledger:SealGrace"] = "00:00:00";
            s["Ledger:StartDate"] = LedgerStore.Key(today.AddDays(-1));
        });
        Assert.Equal(1, await world.Hub.Get<LedgerSealer>().SealAsync());
        var store = world.Hub.Get<LedgerStore>();
        var yesterday = (await store.SealedAsync()).Single();

        // A hub that publishes, with a sound hash, a "correction" of a day not sealed before it.
        var figures = LedgerDay.Figures([], yesterday.Outstanding);
        var corrections = new SortedDictionary<string, SortedDictionary<string, SortedDictionary<string, long>>>(StringComparer.Ordinal)
        {
            [LedgerStore.Key(today.AddDays(1))] = new(StringComparer.Ordinal) { ["total"] = new(StringComparer.Ordinal) { ["report.received"] = 7 } },
        };
        var forged = LedgerDay.Summary(today, "Asia/Shanghai", yesterday.Hash!, sealedDay: true, figures, corrections);
        using (var document = JsonDocument.Parse(forged.ToJsonString()))
        {
            forged[DayHash.HashMember] = DayHash.Compute(document.RootElement);
        }

        Assert.True(await store.TrySealAsync(new LedgerDayEntity { RowKey = LedgerStore.Key(today), Json = forged.ToJsonString(), Hash = (string)forged[DayHash.HashMember]!, PrevHash = yesterday.Hash! }));

        var verdict = await new LedgerVerifier(world.Hub.Client).VerifyAsync();

        Assert.False(verdict.Ok);
        Assert.Equal(LedgerStore.Key(today), verdict.FirstBadDay);
        Assert.Contains("not a sealed day before it", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sealed_day_is_cacheable_by_its_hash_and_unknown_days_are_404()
    {
        // One day sealed, the ledger's first (it named 2026-01-01 before, and sealed every day since: over
        // 300, half a minute of a loaded suite, for what one day shows).
        var clock = CityDays.StartClock();
        var today = CityDays.Of(clock.GetUtcNow());
        await using var world = await HubScenario.StartAsync(clock: clock, configure: s =>
        {
            s["LocalHost:TriggersDisabled"] = "true";
            s["Ledger:SealGrace"] = "00:00:00";
            s["Ledger:StartDate"] = LedgerStore.Key(today.AddDays(-1));
        });
        Assert.Equal(1, await world.Hub.Get<LedgerSealer>().SealAsync());
        using var list = await world.Hub.Client.GetAsync("api/v1/ledger");
        var days = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement;
        var first = days[0].GetProperty("date").GetString();

        using var day = await world.Hub.Client.GetAsync($"api/v1/ledger/{first}");
        using var again = new HttpRequestMessage(HttpMethod.Get, $"api/v1/ledger/{first}");
        again.Headers.TryAddWithoutValidation("If-None-Match", day.Headers.ETag!.Tag);
        using var notModified = await world.Hub.Client.SendAsync(again);
        using var unknown = await world.Hub.Client.GetAsync("api/v1/ledger/2020-01-01");
        using var bad = await world.Hub.Client.GetAsync("api/v1/ledger/yesterday");
        using var unnamed = await world.Hub.Client.GetAsync($"api/v1/ledger/{first}/proof");
        using var halfNamed = await world.Hub.Client.GetAsync($"api/v1/ledger/{first}/proof?scope=hub");
        using var noSuchFigure = await world.Hub.Client.GetAsync($"api/v1/ledger/{first}/proof?scope=hub&kind=pickup.collected");
        using var notSealed = await world.Hub.Client.GetAsync("api/v1/ledger/2020-01-01/proof?scope=hub&kind=delivery.made");

        Assert.Equal(HttpStatusCode.OK, day.StatusCode);
        Assert.Equal($"\"{days[0].GetProperty("hash").GetString()}\"", day.Headers.ETag.Tag);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("", days[0].GetProperty("prevHash").GetString());
        foreach (var (response, status) in new[] { (unnamed, HttpStatusCode.BadRequest), (halfNamed, HttpStatusCode.BadRequest), (noSuchFigure, HttpStatusCode.NotFound), (notSealed, HttpStatusCode.NotFound) })
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
