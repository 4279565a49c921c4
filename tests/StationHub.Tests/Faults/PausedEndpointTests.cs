using System.Net;
using StationHub.Tests.Delivery;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Faults;

/// <summary>
/// A destination paused and resumed while two hosts take and deliver a stream of reports: after the
/// last resume it has every report, each exactly once (nothing lost to the pause, nothing doubled by
/// the parking and release on either host).
/// </summary>
public sealed class PausedEndpointTests
{
    private const string City = "city:hangzhou";

    [Fact]
    public async Task A_city_paused_and_resumed_mid_stream_on_two_hosts_gets_every_report_once()
    {
        await using var world = await HubScenario.StartAsync();
        var second = await world.StartHubAsync();
        world.City.AnswerWith(_ => new Reply(200, Delay: TimeSpan.FromMilliseconds(20)));
        var clients = new[] { world.Hub.Client, second.Client };
        var hubIds = new List<string>();

        for (var round = 0; round < 3; round++)
        {
            // Each round: some reports while active, a pause (sent through either host), more while paused, a resume.
            hubIds.AddRange(await SendAsync(world, clients, $"pr{round}a", 6));
            using (var pause = await Admin(clients[round % 2], $"api/v1/admin/endpoints/{City}/pause"))
            {
                Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
            }

            hubIds.AddRange(await SendAsync(world, clients, $"pr{round}b", 6));
            await Task.Delay(200);
            using (var resume = await Admin(clients[(round + 1) % 2], $"api/v1/admin/endpoints/{City}/resume"))
            {
                Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
            }
        }

        await world.City.WaitForAsync(r => MixedStream.ReportSubjects(r).ToHashSet().IsSupersetOf(hubIds), TimeSpan.FromSeconds(60));
        await EndpointLifecycleTests.EventuallyAsync(async () => (await EndpointLifecycleTests.EndpointAsync(world, City)).GetProperty("waiting").GetInt32(), n => n == 0);
        await world.QuietAsync();

        var received = MixedStream.ReportSubjects(world.City.All).ToList();
        var doubled = received.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"delivered twice: {string.Join(", ", doubled)}");
        Assert.Equal(hubIds.Order(), received.Order());
    }

    private static async Task<List<string>> SendAsync(HubScenario world, HttpClient[] clients, string prefix, int count)
    {
        var sends = Enumerable.Range(0, count).Select(async i =>
        {
            using var response = await clients[i % 2].SendAsync(Webhooks.Signed($"api/v1/platforms/{TestRegistry.Platform}/hazard-reports", Webhooks.HazardReport($"{prefix}-{i}"), world.PlatformSigner));
            PlatformRetries.AssertAccepted(response);
            return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content)).GetProperty("hubId").GetString()!;
        });
        return [.. await Task.WhenAll(sends)];
    }

    /// <summary>A pause or resume, tried again on a 503 (the request deadline on a loaded machine) as an administrator would: setting a state twice is harmless.</summary>
    private static async Task<HttpResponseMessage> Admin(HttpClient client, string path)
    {
        return await Eventually.UntilAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, path);
                request.Headers.Add("x-api-key", TestRegistry.AdminKey);
                return await client.SendAsync(request);
            },
            response =>
            {
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    return true;
                }

                response.Dispose();
                return false;
            },
            _ => $"{path} was refused with 503 throughout",
            TimeSpan.FromSeconds(30));
    }
}
