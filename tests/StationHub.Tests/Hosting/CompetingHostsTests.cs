using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Hosting;

/// <summary>
/// Hosts sharing one storage account: competing consumers, a graceful stop with work in flight,
/// and a host killed with SIGKILL mid-stream and started again.
/// </summary>
public sealed class CompetingHostsTests
{
    [Fact]
    public async Task Two_hosts_on_the_same_queues_deliver_every_report_and_repeat_only_by_webhook_id()
    {
        await using var world = await HubScenario.StartAsync();
        var second = await world.StartHubAsync();
        world.City.AnswerWith(_ => new Reply(200, Delay: TimeSpan.FromMilliseconds(50)));

        var hubIds = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var client = i % 2 == 0 ? world.Hub.Client : second.Client;
            using var response = await client.SendAsync(Webhooks.Signed(TestPaths.Reports, Webhooks.HazardReport($"r-two-{i}"), world.PlatformSigner));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            hubIds.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!);
        }

        var received = await world.City.WaitForAsync(r => DeliveredSubjects(r).Count == hubIds.Count);
        Assert.Equal(hubIds.ToHashSet(), DeliveredSubjects(received));
        AssertRepeatsOnlyBySameWebhookId(received);
    }

    [Fact]
    public async Task A_host_stopped_with_deliveries_in_flight_leaves_them_for_the_next_host()
    {
        await using var world = await HubScenario.StartAsync();
        world.City.AnswerWith(n => new Reply(200, Delay: TimeSpan.FromSeconds(n < 3 ? 20 : 0)));
        var hubIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            hubIds.Add(await world.AcceptReportAsync($"r-stop-{i}"));
        }

        await Task.Delay(1500);
        await world.Hub.DisposeAsync();
        await world.StartHubAsync();

        var received = await world.City.WaitForAsync(r => DeliveredSubjects(r).Count == hubIds.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(hubIds.ToHashSet(), DeliveredSubjects(received));
    }

    [Fact]
    public async Task A_host_killed_mid_stream_and_restarted_delivers_every_accepted_report()
    {
        await using var world = await HubScenario.StartAsync(startHub: false);
        world.City.AnswerWith(_ => new Reply(200, Delay: TimeSpan.FromMilliseconds(200)));
        var accepted = new Dictionary<string, string>();
        var pending = Enumerable.Range(0, 30).Select(i => $"r-kill-{i}").ToDictionary(id => id, id => "msg_" + id);

        var host = await ChildHost.StartAsync(world.Settings);
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        foreach (var reportId in pending.Keys.Take(15).ToList())
        {
            await TryPostAsync(client, world, reportId, pending, accepted);
        }

        host.Kill();
        Assert.True(accepted.Count >= 10, $"only {accepted.Count} accepted before the kill");

        await using var restarted = await ChildHost.StartAsync(world.Settings, host.Port);
        for (var round = 0; round < 3 && pending.Count > 0; round++)
        {
            // The platform retries what got no answer, with the same webhook-id, as Standard Webhooks senders do.
            foreach (var reportId in pending.Keys.ToList())
            {
                await TryPostAsync(client, world, reportId, pending, accepted);
            }
        }

        Assert.Empty(pending);
        var received = await world.City.WaitForAsync(r => DeliveredSubjects(r).IsSupersetOf(accepted.Values), TimeSpan.FromSeconds(60));
        AssertRepeatsOnlyBySameWebhookId(received);
        await host.DisposeAsync();
    }

    private static async Task TryPostAsync(HttpClient client, HubScenario world, string reportId, Dictionary<string, string> pending, Dictionary<string, string> accepted)
    {
        try
        {
            using var response = await client.SendAsync(Webhooks.Signed(TestPaths.Reports, Webhooks.HazardReport(reportId), world.PlatformSigner, pending[reportId]));
            if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
            {
                accepted[reportId] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
                pending.Remove(reportId);
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            // No answer: the platform will retry it.
        }
    }

    private static HashSet<string> DeliveredSubjects(IReadOnlyList<Received> received) =>
        [.. received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("service_request_id").GetString()!)];

    private static void AssertRepeatsOnlyBySameWebhookId(IReadOnlyList<Received> received)
    {
        foreach (var group in received.GroupBy(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("service_request_id").GetString()))
        {
            Assert.Single(group.Select(r => r.WebhookId).Distinct());
        }
    }

    private static class TestPaths
    {
        public const string Reports = "api/v1/platforms/swiftride/hazard-reports";
    }
}
