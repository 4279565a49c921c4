using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StationHub.HazardReports;
using StationHub.Ledger;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Ledger;

/// <summary>
/// Issue 14's ledger figures from real traffic: a worker need and a hazard in over signed HTTP, the
/// need answered by its responsible body and the hazard by the city over their own routes, the need
/// resolved and reopened by the platform, the day sealed and read back over HTTP and as the page.
/// </summary>
public sealed class WorkerNeedsLedgerTests
{
    [Fact]
    public async Task A_worker_need_is_counted_apart_by_district_and_body_and_its_reopening_takes_back_its_resolution()
    {
        var clock = CityDays.StartClock();
        var today = CityDays.Of(clock.GetUtcNow());
        await using var world = await HubScenario.StartAsync(clock: clock, configure: s => LedgerEndToEndTests.LedgerFrom(s, today));

        using var posted = await world.PostReportAsync(Webhooks.HazardReport("need-wages", category: "unpaid_wages"));
        // 202, or the first answer (200) that the client's retry of a 503 gets on a loaded machine: accepted once either way.
        Assert.True(posted.StatusCode == HttpStatusCode.Accepted || (posted.StatusCode == HttpStatusCode.OK && posted.Headers.Contains(PlatformRetries.RetriedHeader)), posted.StatusCode.ToString());
        var need = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
        var hazard = await world.AcceptReportAsync("hazard-exit", lat: 30.27, lon: 120.2);
        await world.WaitForStatusAsync(need, "routed");
        await world.WaitForStatusAsync(hazard, "routed");

        // The body answers its need; the city its hazard; each resolves.
        await ExpectOkAsync(world.PostCityUpdateAsync(need, "u-need-ack", "acknowledged", cityKey: TestRegistry.HrBodyKey));
        await ExpectOkAsync(world.PostCityUpdateAsync(need, "u-need-res", "resolved", cityKey: TestRegistry.HrBodyKey, note: "Wages paid"));
        await ExpectOkAsync(world.PostCityUpdateAsync(hazard, "u-haz-res", "resolved", note: "Cleared"));
        await world.WaitForStatusAsync(need, "resolved");

        // The worker says it is not fixed: the need's resolution is taken back.
        using (var reopened = await world.PostReportAsync(Reopening("need-wages"), "msg_need_reopen"))
        {
            PlatformRetries.AssertAccepted(reopened);
        }

        await world.WaitForStatusAsync(need, "routed");
        await world.City.WaitForAsync(r => r.Any(x => x.Text.Contains("hazard_report.reopened", StringComparison.Ordinal)));
        await WaitForAsync(async () => (await world.Storage.LedgerEntriesAsync()).Count(e => e.Kind == LedgerKinds.NeedReopened) == 2);

        var sealedDay = await SealAsync(world, today);
        var figures = sealedDay.GetProperty("figures");
        var district = figures.GetProperty(LedgerEndToEndTests.District);
        Assert.Equal(2, district.GetProperty(LedgerKinds.ReportReceived).GetInt64());
        Assert.Equal(1, district.GetProperty(LedgerKinds.NeedReceived).GetInt64());
        Assert.Equal(1, district.GetProperty(LedgerKinds.NeedFirstResponse).GetInt64());
        Assert.Equal(1, district.GetProperty(HazardReportLedgerSection.NeedAnsweredWithinSlaSample).GetInt64());
        Assert.Equal(10_000, district.GetProperty(HazardReportLedgerSection.NeedAnsweredWithinSlaShare).GetInt64());
        Assert.Equal(1, district.GetProperty(LedgerKinds.NeedResolved).GetInt64());
        Assert.Equal(1, district.GetProperty(LedgerKinds.NeedReopened).GetInt64());
        Assert.Equal(0, district.GetProperty(HazardReportLedgerSection.NeedResolvedHeld).GetInt64());
        Assert.Equal(2, district.GetProperty(LedgerKinds.ReportResolved).GetInt64());
        Assert.Equal(1, district.GetProperty(LedgerKinds.ReportReopened).GetInt64());
        Assert.Equal(1, district.GetProperty(HazardReportLedgerSection.ResolvedHeld).GetInt64());
        Assert.Equal(2, district.GetProperty(HazardReportLedgerSection.AcknowledgedWithin24hSample).GetInt64());

        // The body's view: its need alone; the totals count it once.
        var body = figures.GetProperty(LedgerScopes.Body(TestRegistry.HrBody));
        Assert.Equal(1, body.GetProperty(LedgerKinds.NeedReceived).GetInt64());
        Assert.Equal(10_000, body.GetProperty(HazardReportLedgerSection.NeedAnsweredWithinSlaShare).GetInt64());
        Assert.False(body.TryGetProperty(LedgerKinds.ReportReceived, out _));
        var totals = figures.GetProperty(LedgerDay.TotalScope);
        Assert.Equal(1, totals.GetProperty(LedgerKinds.NeedReceived).GetInt64());
        Assert.Equal(2, totals.GetProperty(LedgerKinds.ReportReceived).GetInt64());

        // Every share on the day carries its sample, in every scope.
        foreach (var scope in figures.EnumerateObject())
        {
            foreach (var share in scope.Value.EnumerateObject().Where(f => LedgerDay.IsShare(f.Name)))
            {
                var sample = LedgerDay.SampleOf(share.Name);
                Assert.True(sample is not null && scope.Value.TryGetProperty(sample, out _), $"{scope.Name} {share.Name} has no sample.");
            }
        }

        var verified = await new LedgerVerifier(world.Hub.Client).VerifyAsync();
        Assert.True(verified.Ok, verified.Reason);

        // The page puts the needs beside the hazards, and a share of one or two reports is too few to judge.
        var page = await world.Hub.Client.GetStringAsync("ledger");
        Assert.Contains("Needs heard and answered", page, StringComparison.Ordinal);
        Assert.Contains("body " + TestRegistry.HrBody, page, StringComparison.Ordinal);
        Assert.Contains("Reports by district", page, StringComparison.Ordinal);
        Assert.Contains("too few to judge (100 % of 1)", page, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> SealAsync(HubScenario world, DateOnly day)
    {
        var next = day.AddDays(1).ToDateTime(TimeOnly.MinValue);
        var midnight = new DateTimeOffset(next, CityDays.Zone.GetUtcOffset(next));
        var sealer = new LedgerSealer(world.Hub.Get<LedgerStore>(), world.Hub.Get<IOptions<LedgerOptions>>(), new FakeTimeProvider(midnight.AddMinutes(1)), NullLogger<LedgerSealer>.Instance);
        Assert.True(await sealer.SealAsync() >= 1);
        using var response = await world.Hub.Client.GetAsync($"api/v1/ledger/{LedgerStore.Key(day)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string Reopening(string reportId) =>
        "{\"type\":\"hazard_report.reopened\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{" +
        $"\"reportId\":\"{reportId}\",\"note\":\"Still not paid\",\"observedAt\":\"{StationHub.Platform.Json.IsoTimestamp.Format(TimeProvider.System.GetUtcNow())}\"}}}}";

    private static async Task ExpectOkAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static Task WaitForAsync(Func<Task<bool>> done) => Eventually.UntilAsync(done, "the condition did not hold");
}
