using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using StationHub.HazardReports;
using StationHub.Platform.Json;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Platform;

/// <summary>One precision for every time the hub keeps: a table and a queue message give back the same instant.</summary>
public sealed class TimestampPrecisionTests
{
    private static readonly DateTimeOffset WithTicks = new DateTimeOffset(2026, 11, 22, 8, 30, 0, TimeSpan.Zero).AddTicks(1_234_567);

    [Fact]
    public void The_hub_clock_and_the_parser_of_incoming_times_cut_to_milliseconds()
    {
        var clock = new HubClock(new FakeTimeProvider(WithTicks));

        Assert.Equal(WithTicks.AddTicks(-4_567), clock.GetUtcNow());
        Assert.True(IsoTimestamp.TryParse("2026-11-22T08:30:00.1234567Z", out var parsed));
        Assert.Equal(WithTicks.AddTicks(-4_567), parsed);
    }

    [Fact]
    public async Task A_time_from_the_hub_clock_is_the_same_read_from_a_table_and_from_a_queue_message()
    {
        await using var storage = await TestStorage.CreateAsync();
        var now = new HubClock(new FakeTimeProvider(WithTicks)).GetUtcNow();
        var update = new CityUpdate("u-1", "hangzhou", HazardReportStatus.Acknowledged, null, now, now);

        var table = storage.Hub.Table(Tables.Deliveries);
        await table.UpsertEntityAsync(new TableEntity("precision", "row") { ["At"] = now });
        var fromTable = (await table.GetEntityAsync<TableEntity>("precision", "row")).Value.GetDateTimeOffset("At");
        var fromQueue = JsonSerializer.Deserialize(JsonSerializer.Serialize(update, HubJsonContext.Default.CityUpdate), HubJsonContext.Default.CityUpdate)!.ReceivedAt;

        Assert.Equal(fromTable, fromQueue);
        Assert.Equal(now, fromQueue);
    }
}
