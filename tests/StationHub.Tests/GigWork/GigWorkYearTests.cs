using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StationHub.GigWork;
using StationHub.Ledger;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.GigWork;

/// <summary>
/// Year-to-date counts on a fake clock over a real Azurite: each day's figures add to the sealed days
/// of its policy year, and start again on the policy year's first day. Events go in as the queue
/// function's messages. The policy's thresholds are scaled down (3 workers wanted, 2 matches) so a
/// handful of matches crosses them, and it counts matches made (the rule as written), which these
/// year-to-date mechanics are about; the other bases are figures beside it.
/// </summary>
public sealed class GigWorkYearTests() : HubLibraryTests(new(2025, 12, 30, 2, 0, 0, TimeSpan.Zero), s => s["Ledger:StartDate"] = "2025-12-30", ScaledDownPolicy)
{
    private int attempt;

    // The policy's thresholds scaled down, so a handful of matches crosses them.
    private static string ScaledDownPolicy(string registry) => registry
        .Replace("\"minWorkersWanted\": 5000, \"minMatches\": 1000,", "\"minWorkersWanted\": 3, \"minMatches\": 2,", StringComparison.Ordinal)
        .Replace("\"minWorkersWanted\": 5000, \"minMatches\": 5000, \"everyMatches\": 5000,", "\"minWorkersWanted\": 3, \"minMatches\": 3, \"everyMatches\": 1,", StringComparison.Ordinal)
        .Replace("\"basis\": \"paid\"", "\"basis\": \"made\"", StringComparison.Ordinal);

    [Fact]
    public async Task Year_to_date_counts_add_up_the_sealed_days_and_start_again_with_the_policy_year()
    {
        await ApplyAsync(Event(GigEventKind.JobPosted, "j-1", stationId: TestRegistry.Station, workersWanted: 4));
        await ApplyAsync(Event(GigEventKind.MatchMade, "m-1", jobId: "j-1"));
        await ApplyAsync(Event(GigEventKind.MatchMade, "m-2", jobId: "j-1"));
        var day1 = await CompileAsync();
        Assert.Equal(2, day1["gig.ytd.matches"]);
        Assert.Equal(20_000_000, await SubsidyAsync());
        Assert.Equal(20_000_000, day1["gig.subsidy-fen"]);
        Assert.Equal(20_000_000, day1["gig.subsidy-fen.made"]);
        Assert.Equal(0, day1["gig.subsidy-fen.paid"]);

        // 31 December: the 30th is sealed; today's one match adds to it.
        Clock.SetUtcNow(new DateTimeOffset(2025, 12, 31, 2, 0, 0, TimeSpan.Zero));
        await Services.GetRequiredService<LedgerSealer>().SealAsync();
        await Services.GetRequiredService<GigWorkYear>().RunAsync();
        await ApplyAsync(Event(GigEventKind.MatchMade, "m-3", jobId: "j-1"));
        await ApplyAsync(Event(GigEventKind.MatchMade, "m-4", jobId: "j-1"));
        await ApplyAsync(Event(GigEventKind.MatchCancelled, "m-4"));
        var day2 = await CompileAsync();
        Assert.Equal(2, day2["gig.match.made"]);
        Assert.Equal(4, day2["gig.ytd.match.made"]);
        Assert.Equal(1, day2["gig.ytd.match.cancelled"]);
        Assert.Equal(3, day2["gig.ytd.matches"]);
        Assert.Equal(4, day2["gig.ytd.workers-wanted"]);
        Assert.Equal(20_000_000, await SubsidyAsync());

        // 1 January: a new policy year; the old year's counts no longer count.
        Clock.SetUtcNow(new DateTimeOffset(2026, 1, 1, 2, 0, 0, TimeSpan.Zero));
        await Services.GetRequiredService<LedgerSealer>().SealAsync();
        Assert.Equal(0, await Services.GetRequiredService<GigWorkYear>().RunAsync());
        await ApplyAsync(Event(GigEventKind.JobPosted, "j-2", stationId: TestRegistry.Station, workersWanted: 1));
        await ApplyAsync(Event(GigEventKind.MatchMade, "m-5", jobId: "j-2"));
        var day3 = await CompileAsync();
        Assert.Equal(1, day3["gig.ytd.matches"]);
        Assert.Equal(1, day3["gig.ytd.workers-wanted"]);
        Assert.Equal(0, await SubsidyAsync());

        // 2 January: the first day of the new year is the base.
        Clock.SetUtcNow(new DateTimeOffset(2026, 1, 2, 2, 0, 0, TimeSpan.Zero));
        await Services.GetRequiredService<LedgerSealer>().SealAsync();
        await Services.GetRequiredService<GigWorkYear>().RunAsync();
        await ApplyAsync(Event(GigEventKind.JobPosted, "j-3", stationId: TestRegistry.Station, workersWanted: 5));
        foreach (var match in new[] { "m-6", "m-7", "m-8" })
        {
            await ApplyAsync(Event(GigEventKind.MatchMade, match, jobId: "j-3"));
        }

        var day4 = await CompileAsync();
        Assert.Equal(4, day4["gig.ytd.matches"]);
        Assert.Equal(6, day4["gig.ytd.workers-wanted"]);
        Assert.Equal(30_000_000, day4["gig.subsidy-fen"]);

        // 4 matches of 6 wanted: the first tier (200,000 yuan) and one step of the second (100,000).
        Assert.Equal(30_000_000, await SubsidyAsync());
    }

    private GigWorkEvent Event(GigEventKind kind, string subject, string? jobId = null, string? stationId = null, int? workersWanted = null)
    {
        var now = Clock.GetUtcNow();
        return new GigWorkEvent(
            GigWorkEvent.CurrentSchemaVersion, "c-" + subject, now, GigWorkEvent.EventIdFor(TestRegistry.Platform, GigWorkEvent.HubIdFor(kind, subject)),
            "a" + Interlocked.Increment(ref attempt), kind, TestRegistry.Platform, subject,
            At: kind == GigEventKind.MatchCancelled ? null : now.AddMinutes(-30 + (kind == GigEventKind.JobPosted ? 0 : 10)),
            JobId: jobId ?? (kind == GigEventKind.JobPosted ? subject : null),
            StationId: stationId,
            WorkersWanted: workersWanted,
            Trade: kind == GigEventKind.JobPosted ? "cleaning" : null,
            WorkerPseudonym: kind == GigEventKind.MatchMade ? "cp_worker-" + subject : null,
            Reason: kind == GigEventKind.MatchCancelled ? "called off" : null);
    }

    private Task ApplyAsync(GigWorkEvent gigEvent) =>
        Services.GetRequiredService<GigWorkRouter>().HandleAsync(BinaryData.FromBytes(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(gigEvent, HubJsonContext.Default.GigWorkEvent)));

    private async Task<Dictionary<string, long>> CompileAsync()
    {
        var sealer = Services.GetRequiredService<LedgerSealer>();
        await sealer.CompileTodayAsync();
        var draft = await Services.GetRequiredService<LedgerStore>().FindDraftAsync(sealer.Today);
        using var document = System.Text.Json.JsonDocument.Parse(draft!.Json);
        return document.RootElement.GetProperty("figures").GetProperty("station~" + TestRegistry.Station).EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);
    }

    private async Task<long> SubsidyAsync() =>
        (await Services.GetRequiredService<GigWorkStandings>().StandingsAsync()).Single(s => s.StationId == TestRegistry.Station).SubsidyFen;
}
