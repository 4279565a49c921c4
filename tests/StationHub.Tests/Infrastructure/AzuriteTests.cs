using Azure;
using Azure.Data.Tables;

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
                await Assert.ThrowsAsync<RequestFailedException>(() => behindGates.AddEntityAsync(new TableEntity("p", "while-closed")));
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
