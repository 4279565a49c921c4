using Azure.Data.Tables;
using StationHub.Platform.Storage;

namespace StationHub.Tests.Infrastructure;

/// <summary>Gates of a test's own in front of the shared emulator cut off that test's hub alone, and never the emulator.</summary>
public sealed class AzuriteTests
{
    [Fact]
    public async Task Gates_in_front_of_the_shared_emulator_close_for_their_own_clients_and_cannot_stop_it()
    {
        var shared = await Azurite.GetAsync();
        var name = $"Gated{Guid.NewGuid():N}";
        var noRetries = new TableClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(5) } };
        var direct = new TableClient(shared.ConnectionString, name, noRetries);
        await direct.CreateAsync();
        try
        {
            await using (var gated = await Azurite.GatedAsync())
            {
                var behindGates = new TableClient(gated.ConnectionString, name, noRetries);
                await behindGates.AddEntityAsync(new TableEntity("p", "through-the-gate"));

                gated.TableGate.Close();
                // The SDK wraps most transport failures, but a connection the gate drops at once can surface as the
                // socket's own exception: either way the hub's test for an outage (a 503, not a 500) takes it.
                var whileClosed = await Record.ExceptionAsync(() => behindGates.AddEntityAsync(new TableEntity("p", "while-closed")));
                Assert.NotNull(whileClosed);
                Assert.True(HubStorage.IsUnreachable(whileClosed), $"Not taken for an outage: {whileClosed}");
                await direct.AddEntityAsync(new TableEntity("p", "past-the-gate"));

                await Assert.ThrowsAsync<InvalidOperationException>(gated.StopAsync);
                await Assert.ThrowsAsync<InvalidOperationException>(gated.RestartAsync);
                gated.TableGate.Reopen();
                await behindGates.AddEntityAsync(new TableEntity("p", "reopened"));
            }

            // Disposed, the gates are gone and the emulator still serves.
            var rows = new List<string>();
            await foreach (var entity in direct.QueryAsync<TableEntity>(e => e.PartitionKey == "p"))
            {
                rows.Add(entity.RowKey);
            }

            Assert.Equal(["past-the-gate", "reopened", "through-the-gate"], rows);
        }
        finally
        {
            await direct.DeleteAsync();
        }
    }
}
