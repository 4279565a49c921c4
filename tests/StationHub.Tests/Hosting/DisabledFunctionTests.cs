using System.Net;
using Azure.Data.Tables;
using StationHub.Platform.Telemetry;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Hosting;

/// <summary>
/// The local host reads the Functions host's app setting <c>AzureWebJobs.{name}.Disabled</c>: a queue
/// function turned off never polls its queue (what arrives there waits), an HTTP function's route answers
/// 404, a timer function turned off does not start its schedule, and every other function runs as
/// before. A test world's timers are all off unless the test turns one on.
/// </summary>
public sealed class DisabledFunctionTests
{
    [Fact]
    public async Task A_disabled_queue_function_leaves_its_queue_alone_and_a_disabled_route_is_not_served()
    {
        await using var world = await HubScenario.StartAsync(configure: settings =>
        {
            settings[TriggerFunction.DisabledSettingOf(FunctionNames.RouteHazardReport)] = "true";
            // "1" turns a function off as "true" does, as on the Functions host.
            settings[TriggerFunction.DisabledSettingOf(FunctionNames.AdminWitnessesList)] = "1";
        });
        using var counter = new StorageRequestCounter(world.Hub.Services);

        // The intake still takes the report; its router does not run, so the message stays.
        using var response = await world.PostReportAsync(Webhooks.HazardReport("r-disabled-router"));
        PlatformRetries.AssertAccepted(response);
        var updates = FunctionNames.ApplyHazardReportUpdate;
        await Eventually.UntilAsync(
            () => Task.FromResult(counter.Requests.Count(r => r.Function == updates && r.Operation == StorageRequestMetrics.PollOperation)),
            polls => polls >= 3,
            polls => $"the update router, enabled, polled {polls} times",
            timeout: null);

        Assert.DoesNotContain(counter.Requests, r => r.Function == FunctionNames.RouteHazardReport);
        Assert.Equal(1, await world.Storage.CountMessagesAsync(Queues.HazardReportsAccepted));

        using var list = new HttpRequestMessage(HttpMethod.Get, Routes.AdminWitnesses);
        list.Headers.Add("x-api-key", TestRegistry.AdminKey);
        using var listed = await world.Hub.Client.SendAsync(list);
        Assert.Equal(HttpStatusCode.NotFound, listed.StatusCode);

        // The witness's own route, not disabled, still answers.
        using var one = new HttpRequestMessage(HttpMethod.Get, Routes.AdminWitnesses + "/sandbox");
        one.Headers.Add("x-api-key", TestRegistry.AdminKey);
        using var got = await world.Hub.Client.SendAsync(one);
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("yes", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void The_setting_turns_a_function_off_as_the_Functions_host_reads_it(string? value, bool off) =>
        Assert.Equal(off, TriggerFunction.TurnsOff(value));

    [Fact]
    public async Task Only_the_timer_a_test_turns_on_keeps_a_schedule()
    {
        var on = FunctionNames.MarkStaleStations;
        await using var world = await HubScenario.StartAsync(configure: settings => settings[TriggerFunction.DisabledSettingOf(on)] = "false");

        // A scheduler's first start records where its schedule stands: one claim row under its name.
        var claims = world.Storage.Hub.Table(Tables.TimerClaims);
        async Task<List<string>> ScheduledAsync()
        {
            var names = new List<string>();
            await foreach (var row in claims.QueryAsync<TableEntity>(select: ["PartitionKey"]))
            {
                names.Add(row.PartitionKey);
            }

            return names;
        }

        var scheduled = await Eventually.UntilAsync(ScheduledAsync, names => names.Contains(on), names => $"timers with a schedule: [{string.Join(", ", names)}]");
        Assert.Equal([on], scheduled.Distinct());
    }
}
