using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Security;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Hosting;

/// <summary>
/// What the local host answers besides the rows' own work: run-now only with a key, HEAD as GET
/// without a body, and a missing table said and logged as what it is.
/// </summary>
public sealed class HostGuardTests
{
    private const string MasterKey = "test-functions-master-key";

    [Theory]
    [InlineData(null, null)]
    [InlineData("x-api-key", TestRegistry.PlatformKey)]
    [InlineData("x-api-key", "not-a-key")]
    [InlineData("x-functions-key", "not-the-master-key")]
    public async Task Run_now_without_an_admin_or_master_key_is_401_and_runs_nothing(string? header, string? key)
    {
        await using var world = await HubScenario.StartAsync(configure: Settings);
        var forged = """{"schemaVersion":1,"deliveryId":"forged","destination":"platform:swiftride","eventType":"pickup_order.ready"}""";

        using var request = new HttpRequestMessage(HttpMethod.Post, $"admin/functions/{FunctionNames.DeliverOutbound}") { Content = JsonContent.Create(new { input = forged }) };
        if (header is not null)
        {
            request.Headers.Add(header, key);
        }

        using var response = await world.Hub.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(world.Platform.All);
    }

    [Theory]
    [InlineData("x-api-key", TestRegistry.AdminKey)]
    [InlineData("x-functions-key", MasterKey)]
    public async Task Run_now_takes_the_admin_key_or_the_master_key(string header, string key)
    {
        await using var world = await HubScenario.StartAsync(configure: Settings);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"admin/functions/{FunctionNames.CompileLedger}") { Content = JsonContent.Create(new { input = string.Empty }) };
        request.Headers.Add(header, key);
        using var response = await world.Hub.Client.SendAsync(request);

        PlatformRetries.AssertAccepted(response);
    }

    [Theory]
    [InlineData("api/v1/openapi.json")]
    [InlineData("api/v1/ledger")]
    [InlineData("api/v1/open311/services.json")]
    public async Task HEAD_answers_as_GET_without_a_body(string path)
    {
        await using var world = await HubScenario.StartAsync(configure: Settings);

        using var get = await world.Hub.Client.GetAsync(path);
        using var head = await world.Hub.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Equal((await get.Content.ReadAsByteArrayAsync()).Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_missing_table_is_a_503_that_says_so_and_is_logged_at_warning()
    {
        await using var world = await HubScenario.StartAsync(configure: Settings);
        world.PlatformRetries = false; // the 503 itself is under test
        var log = new LogCollector();
        world.Hub.Get<ILoggerFactory>().AddProvider(log);
        await world.Storage.Hub.Table(Tables.HazardReports).DeleteAsync();

        using var response = await world.PostReportAsync(Webhooks.HazardReport("r-no-table"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("TableNotFound", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("did not answer in time", detail, StringComparison.Ordinal);
        Assert.Contains(log.Entries, entry => entry.Level == LogLevel.Warning && entry.EventId == 9303 && entry.Message.Contains("TableNotFound", StringComparison.Ordinal));
    }

    private static void Settings(Dictionary<string, string?> settings)
    {
        settings["LocalHost:TriggersDisabled"] = "true";
        settings["LocalHost:MasterKeyHash"] = ApiKeys.Hash(MasterKey);
    }

    private sealed class LogCollector : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Collecting(this);

        public void Dispose()
        {
        }

        private sealed class Collecting(LogCollector owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}
