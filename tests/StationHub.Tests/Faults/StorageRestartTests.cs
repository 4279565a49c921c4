using System.Net;
using StationHub.LocalHost.Hosting;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Faults;

/// <summary>
/// The storage emulator stopped cleanly and started again in the middle of a steady mixed stream of
/// reports, points and pickup orders (a clean stop, because killing Azurite loses its last seconds
/// of writes, which Azure Storage does not; see shared AZURITE.md). Platforms retry what got no
/// 2xx, as Standard Webhooks senders do; every item the hub accepted is delivered or applied once.
/// </summary>
[RunsLong(33)]
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
            await azurite.StopAsync();

            // A table read: the storage client gives up after its retries (about 2.5 s) and says so
            // with an AggregateException of the failed tries.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/platforms/{TestRegistry.Platform}/hazard-reports/{hubId}");
            request.Headers.Add("x-api-key", TestRegistry.PlatformKey);
            using var response = await world.Hub.Client.SendAsync(request);
            await azurite.RestartAsync();

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
    public async Task Every_accepted_item_is_applied_once_across_a_clean_storage_restart()
    {
        var folder = Directory.CreateTempSubdirectory("stationhub-azurite-").FullName;
        var azurite = await Azurite.StartAsync(folder);
        try
        {
            await using var world = await HubScenario.StartAsync(storageConnection: azurite.ConnectionString, configure: s => s[HubHost.QueueLeaseSetting] = "00:00:05");
            var stream = MixedStream.Create(world, "restart");
            using var client = new HttpClient { BaseAddress = world.Hub.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

            // Stop the emulator cleanly with requests and queue messages in flight; the stream goes on.
            var sending = stream.SendAsync(client, pace: TimeSpan.FromMilliseconds(50));
            await stream.WaitForAcceptedAsync(stream.Count / 3);
            await azurite.StopAsync();
            // Down until requests have failed on it, past the storage clients' own retries of a call
            // (0.2 + 0.4 + 0.8 + 1 s, StorageClients), so requests and queue functions fail rather than just wait.
            await Eventually.UntilAsync(() => stream.Refusals.Count >= 4 || sending.IsCompleted, "requests met the outage");
            await azurite.RestartAsync();
            await sending;
            await stream.RetryUntilAcceptedAsync(client);

            // A request that met the outage was told to come back later (503), never a 500.
            Assert.All(stream.Refusals, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
            await stream.AssertEachAppliedOnceAsync(client, TimeSpan.FromSeconds(90));
        }
        finally
        {
            await azurite.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }
}
