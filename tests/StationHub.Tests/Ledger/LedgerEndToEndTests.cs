using System.Globalization;
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
/// The ledger's headline figures from real traffic: signed reports in over HTTP, routed to a city
/// receiver, acknowledged by the city over its HTTP route, the day sealed, and the sealed day read
/// back over HTTP. Nothing is written by hand, so a difference between the HTTP path and the queue
/// path (timestamp precision, say) shows here.
/// </summary>
public sealed class LedgerEndToEndTests
{
    internal const string District = "district~330102";

    [Fact]
    public async Task A_citys_acknowledgements_over_http_make_the_sealed_days_share_within_24_hours_and_median_first_response()
    {
        var clock = CityDays.StartClock();
        var today = CityDays.Of(clock.GetUtcNow());
        await using var world = await HubScenario.StartAsync(clock: clock, configure: s => LedgerEndToEndTests.LedgerFrom(s, today));
        string[] reportIds = ["e2e-ack-1", "e2e-ack-2", "e2e-ack-3"];
        var hubIds = new List<string>();
        foreach (var reportId in reportIds)
        {
            hubIds.Add(await world.AcceptReportAsync(reportId));
        }

        await world.City.WaitForAsync(r => r.Count >= reportIds.Length);
        foreach (var hubId in hubIds)
        {
            await world.WaitForStatusAsync(hubId, "routed");
        }

        // The city answers each report over its own HTTP route, as a city system does.
        foreach (var hubId in hubIds)
        {
            using var ack = await AcknowledgeAsync(world, hubId, "ack-" + hubId);
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }

        // The platform hears of each update after the update's ledger facts are written.
        await world.Platform.WaitForAsync(r => r.Count(x => x.Text.Contains(HazardReportEvents.Updated, StringComparison.Ordinal)) >= hubIds.Count);
        var statuses = new List<JsonElement>();
        foreach (var hubId in hubIds)
        {
            statuses.Add(await world.WaitForStatusAsync(hubId, "acknowledged"));
        }

        var hours = statuses
            .Select(s => (Time(s, "firstResponseAt") - Time(s, "routedAt")).TotalHours)
            .Order()
            .ToList();
        var responseDays = statuses.Select(s => CityDays.Of(Time(s, "firstResponseAt"))).Distinct().ToList();
        var day = Assert.Single(responseDays);

        // Seal the day as the hourly timer would just after the city's next midnight.
        var midnight = new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), CityDays.Zone.GetUtcOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue)));
        var sealer = new LedgerSealer(world.Hub.Get<LedgerStore>(), world.Hub.Get<IOptions<LedgerOptions>>(), new FakeTimeProvider(midnight.AddMinutes(1)), NullLogger<LedgerSealer>.Instance);
        Assert.True(await sealer.SealAsync() >= 1);

        using var response = await world.Hub.Client.GetAsync($"api/v1/ledger/{LedgerStore.Key(day)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sealedDay = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(sealedDay.GetProperty("sealed").GetBoolean());
        var figures = sealedDay.GetProperty("figures").GetProperty(District);
        Assert.Equal(3, figures.GetProperty(LedgerKinds.ReportFirstResponse).GetInt64());
        Assert.Equal(3, figures.GetProperty(HazardReportLedgerSection.AcknowledgedWithin24h).GetInt64());
        Assert.Equal(10_000, figures.GetProperty(HazardReportLedgerSection.AcknowledgedWithin24hShare).GetInt64());
        Assert.Equal((long)Math.Round(hours[1] * 60, MidpointRounding.AwayFromZero), figures.GetProperty(HazardReportLedgerSection.MedianFirstResponseMinutes).GetInt64());
        var totals = sealedDay.GetProperty("figures").GetProperty(LedgerDay.TotalScope);
        Assert.Equal(10_000, totals.GetProperty(HazardReportLedgerSection.AcknowledgedWithin24hShare).GetInt64());

        var verified = await new LedgerVerifier(world.Hub.Client).VerifyAsync();
        Assert.True(verified.Ok, verified.Reason);
    }

    internal static Task<HttpResponseMessage> AcknowledgeAsync(HubScenario world, string hubId, string updateId, string status = "acknowledged")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/city/requests/{hubId}/updates")
        {
            Content = JsonContent.Create(new { updateId, status, note = "On our way", updatedAt = TimeProvider.System.GetUtcNow() }),
        };
        request.Headers.Add("x-api-key", TestRegistry.WebhookCityKey);
        return world.Hub.Client.SendAsync(request);
    }

    /// <summary>The ledger starts on <paramref name="today"/> and a day seals as soon as it is over.</summary>
    internal static void LedgerFrom(Dictionary<string, string?> settings, DateOnly today)
    {
        settings["Ledger:SealGrace"] = "00:00:00";
        settings["Ledger:StartDate"] = LedgerStore.Key(today);
    }

    private static DateTimeOffset Time(JsonElement status, string name) =>
        DateTimeOffset.Parse(status.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);
}
