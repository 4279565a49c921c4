using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Faults;

/// <summary>
/// The storage emulator stopped cleanly and started again in the middle of a stream of reports
/// (a clean stop, because killing Azurite loses its last seconds of writes, which Azure Storage
/// does not; see shared AZURITE.md). Platforms retry what got no 2xx, as Standard Webhooks
/// senders do; every report the hub accepted reaches its city.
/// </summary>
public sealed class StorageRestartTests
{
    [Fact]
    public async Task A_request_that_meets_a_storage_outage_is_a_503_with_retry_after()
    {
        var azurite = await Azurite.StartAsync();
        try
        {
            await using var world = await HubScenario.StartAsync(storageConnection: azurite.ConnectionString);
            var hubId = await world.AcceptReportAsync("r-outage");
            await azurite.DisposeAsync();

            // A table read: the storage client gives up after its retries (about 6 s) and says so
            // with an AggregateException of the failed tries.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/platforms/{TestRegistry.Platform}/hazard-reports/{hubId}");
            request.Headers.Add("x-api-key", TestRegistry.PlatformKey);
            using var response = await world.Hub.Client.SendAsync(request);
            azurite = await Azurite.StartAsync(ports: azurite.Ports);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_accepted_report_is_delivered_across_a_clean_storage_restart()
    {
        var folder = Directory.CreateTempSubdirectory("stationhub-azurite-").FullName;
        var azurite = await Azurite.StartAsync(folder);
        try
        {
            await using var world = await HubScenario.StartAsync(storageConnection: azurite.ConnectionString, configure: s => s["LocalHost:QueueLease"] = "00:00:05");
            var accepted = new Dictionary<string, string>();
            var pending = Enumerable.Range(0, 30).Select(i => $"r-restart-{i}").ToDictionary(id => id, id => "msg_" + id);
            using var client = new HttpClient { BaseAddress = world.Hub.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

            foreach (var reportId in pending.Keys.Take(12).ToList())
            {
                await TryPostAsync(client, world, reportId, pending, accepted);
                await Task.Delay(50);
            }

            // Stop the emulator cleanly while deliveries are in flight; the stream goes on.
            await azurite.DisposeAsync();
            foreach (var reportId in pending.Keys.Take(2).ToList())
            {
                await TryPostAsync(client, world, reportId, pending, accepted);
            }

            azurite = await Azurite.StartAsync(folder, azurite.Ports);
            for (var round = 0; round < 5 && pending.Count > 0; round++)
            {
                foreach (var reportId in pending.Keys.ToList())
                {
                    await TryPostAsync(client, world, reportId, pending, accepted);
                }
            }

            Assert.Empty(pending);
            var received = await world.City.WaitForAsync(r => Subjects(r).IsSupersetOf(accepted.Values), TimeSpan.FromSeconds(90));
            foreach (var group in received.GroupBy(r => Subject(r)))
            {
                Assert.Single(group.Select(r => r.WebhookId).Distinct());
            }

            foreach (var queue in Queues.All)
            {
                Assert.Equal(0, (await world.Storage.Hub.PoisonQueue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount);
            }
        }
        finally
        {
            await azurite.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task TryPostAsync(HttpClient client, HubScenario world, string reportId, Dictionary<string, string> pending, Dictionary<string, string> accepted)
    {
        try
        {
            using var response = await client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/hazard-reports", Webhooks.HazardReport(reportId), world.PlatformSigner, pending[reportId]));
            if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
            {
                accepted[reportId] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
                pending.Remove(reportId);
            }
            else
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            // No answer: retried later with the same webhook-id.
        }
    }

    private static string Subject(Received received) =>
        JsonDocument.Parse(received.Body).RootElement.GetProperty("data").GetProperty("service_request_id").GetString()!;

    private static HashSet<string> Subjects(IReadOnlyList<Received> received) => [.. received.Select(Subject)];
}
