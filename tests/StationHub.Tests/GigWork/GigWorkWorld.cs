using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.GigWork;

/// <summary>Gig-work events as a platform sends them (signed, over HTTP), and what the hub says became of them.</summary>
public static class GigWorkWorld
{
    public const string Path = "api/v1/platforms/swiftride/gig-work";

    /// <summary>Yesterday 01:00 UTC: every time the tests send lies within the hub's window (30 days back, 5 minutes ahead).</summary>
    public static readonly DateTimeOffset T0 = new DateTimeOffset(TimeProvider.System.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero).AddDays(-1).AddHours(1);

    public static string Job(string jobId, int workersWanted = 3, DateTimeOffset? postedAt = null, string stationId = TestRegistry.Station, string trade = "porter") =>
        Envelope("gig_job.posted", $"\"jobId\":\"{jobId}\",\"stationId\":\"{stationId}\",\"workersWanted\":{workersWanted},\"trade\":\"{trade}\",\"postedAt\":\"{Iso(postedAt ?? T0)}\",\"payFen\":20000");

    /// <summary>A job with its <c>postedAt</c> as given, verbatim (for times the hub must refuse).</summary>
    public static string JobPostedAt(string jobId, string postedAt) =>
        Envelope("gig_job.posted", $"\"jobId\":\"{jobId}\",\"stationId\":\"{TestRegistry.Station}\",\"workersWanted\":1,\"trade\":\"porter\",\"postedAt\":\"{postedAt}\"");

    /// <summary>A completion with its <c>completedAt</c> as given, verbatim.</summary>
    public static string CompletedAt(string matchId, string completedAt) =>
        Envelope("gig_match.completed", $"\"matchId\":\"{matchId}\",\"completedAt\":\"{completedAt}\"");

    public static string Made(string matchId, string jobId, string workerId, DateTimeOffset matchedAt) =>
        Envelope("gig_match.made", $"\"matchId\":\"{matchId}\",\"jobId\":\"{jobId}\",\"workerId\":\"{workerId}\",\"matchedAt\":\"{Iso(matchedAt)}\"");

    public static string Completed(string matchId, DateTimeOffset completedAt) =>
        Envelope("gig_match.completed", $"\"matchId\":\"{matchId}\",\"completedAt\":\"{Iso(completedAt)}\"");

    public static string Paid(string matchId, DateTimeOffset paidAt, long amountFen = 18_000) =>
        Envelope("gig_match.paid", $"\"matchId\":\"{matchId}\",\"paidAt\":\"{Iso(paidAt)}\",\"amountFen\":{amountFen}");

    public static string Cancelled(string matchId, string reason = "employer called it off") =>
        Envelope("gig_match.cancelled", $"\"matchId\":\"{matchId}\",\"reason\":\"{reason}\"");

    public static async Task<HttpResponseMessage> PostAsync(this HubScenario world, string body, string? webhookId = null, HttpClient? client = null) =>
        await (client ?? world.Hub.Client).SendAsync(Webhooks.Signed(Path, body, world.PlatformSigner, webhookId));

    /// <summary>Posts an event, expects 202, and returns its hub id.</summary>
    public static async Task<string> SendAsync(this HubScenario world, string body, HttpClient? client = null)
    {
        using var response = await world.PostAsync(body, client: client);
        PlatformRetries.AssertAccepted(response);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
    }

    public static async Task<JsonElement> StatusAsync(this HubScenario world, string hubId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Path + "/" + Uri.EscapeDataString(hubId));
        request.Headers.Add("x-api-key", TestRegistry.PlatformKey);
        using var response = await world.Hub.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Polls until every event has left <c>received</c> (or the wait runs out); returns each one's status.</summary>
    public static async Task<Dictionary<string, JsonElement>> SettledAsync(this HubScenario world, params string[] hubIds)
    {
        async Task<Dictionary<string, JsonElement>> ReadAsync()
        {
            var statuses = new Dictionary<string, JsonElement>();
            foreach (var hubId in hubIds)
            {
                statuses[hubId] = await world.StatusAsync(hubId);
            }

            return statuses;
        }

        try
        {
            return await Eventually.UntilAsync(ReadAsync, statuses => statuses.Values.All(s => s.GetProperty("status").GetString() != "received"), _ => "events still received", TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            return await ReadAsync();
        }
    }

    /// <summary>Polls until the event has the status.</summary>
    public static Task<JsonElement> WaitForAsync(this HubScenario world, string hubId, string status) =>
        Eventually.UntilAsync(() => world.StatusAsync(hubId), last => last.GetProperty("status").GetString() == status, last => $"gig event {hubId} did not become {status}: {last}");

    /// <summary>Compiles today's ledger draft now (the timer's work) and returns the station's figures from the public API.</summary>
    public static async Task<Dictionary<string, long>> TodaysStationFiguresAsync(this HubScenario world, string stationId = TestRegistry.Station)
    {
        var sealer = world.Hub.Get<StationHub.Ledger.LedgerSealer>();
        await sealer.CompileTodayAsync();
        var date = sealer.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using var response = await world.Hub.Client.GetAsync($"api/v1/ledger/{date}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var day = await response.Content.ReadFromJsonAsync<JsonElement>();
        return day.GetProperty("figures").TryGetProperty("station~" + stationId, out var figures)
            ? figures.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal)
            : [];
    }

    private static string Envelope(string type, string data) =>
        $"{{\"type\":\"{type}\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{{{data}}}}}";

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
