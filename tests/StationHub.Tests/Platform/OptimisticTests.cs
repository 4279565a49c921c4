using Azure.Data.Tables;
using StationHub.Platform.Storage;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Platform;

/// <summary>The one optimistic-concurrency mechanism, on real table storage.</summary>
public sealed class OptimisticTests : IAsyncLifetime
{
    private TestStorage storage = null!;

    public async Task InitializeAsync() => storage = await TestStorage.CreateAsync();

    public async Task DisposeAsync() => await storage.DisposeAsync();

    [Fact]
    public async Task Concurrent_writers_to_one_row_each_land_once()
    {
        var table = storage.Hub.Table(StationHub.Triggers.Tables.TimerClaims);
        await table.AddEntityAsync(new TableEntity("counter", "row") { ["Count"] = 0 });
        const int writers = 16;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Optimistic.RetryAsync("the test counter", async _ =>
        {
            var row = (await table.GetEntityAsync<TableEntity>("counter", "row")).Value;
            row["Count"] = (int)row["Count"] + 1;
            return await table.TryReplaceAsync(row) ? Attempt<bool>.Done(true) : Attempt<bool>.Retry;
        })));

        var final = (await table.GetEntityAsync<TableEntity>("counter", "row")).Value;
        Assert.Equal(writers, (int)final["Count"]);
    }

    [Fact]
    public async Task A_write_that_always_loses_stops_after_the_budget_as_a_transient_failure()
    {
        var attempts = 0;

        var failure = await Assert.ThrowsAsync<ConcurrencyExhaustedException>(() =>
            Optimistic.RetryAsync("the row that never settles", _ =>
            {
                attempts++;
                return Task.FromResult(Attempt<int>.Retry);
            }));

        Assert.Equal(Optimistic.MaxAttempts, attempts);
        Assert.Contains("the row that never settles", failure.Message, StringComparison.Ordinal);
        Assert.True(HubStorage.IsUnreachable(failure), "A spent budget is answered 503 (retry), not 500.");
    }

    [Fact]
    public async Task A_write_that_finishes_returns_its_value_at_once()
    {
        var attempts = 0;

        var value = await Optimistic.RetryAsync("a quiet row", number =>
        {
            attempts++;
            return Task.FromResult(number < 1 ? Attempt<string>.Retry : Attempt<string>.Done("written"));
        });

        Assert.Equal("written", value);
        Assert.Equal(2, attempts);
    }
}
