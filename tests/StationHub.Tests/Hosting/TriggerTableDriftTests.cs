using System.Text.Json;
using System.Text.Json.Nodes;
using StationHub.Triggers;

namespace StationHub.Tests.Hosting;

/// <summary>
/// The Functions app that ships serves exactly the trigger table: the <c>functions.metadata</c> the
/// worker's generator writes into the published app (tests/run-all.sh publishes it into
/// artifacts/functions-app; otherwise the build output is read) names every row of
/// <see cref="HubTriggers"/> with the same trigger type, methods, route, queue, connection and
/// schedule, and nothing else.
/// </summary>
public sealed class TriggerTableDriftTests
{
    [Fact]
    public void The_published_Functions_app_serves_exactly_the_trigger_table()
    {
        var published = Describe(PublishedMetadata());

        Assert.Equal(Rows().Order(), published.Order());
    }

    [Fact]
    public void The_comparison_sees_every_kind_of_trigger()
    {
        // Guards the comparison above against passing on two empty or partial tables.
        var published = Describe(PublishedMetadata());

        Assert.Contains(published, t => t.StartsWith("httpTrigger ", StringComparison.Ordinal));
        Assert.Contains(published, t => t.StartsWith("queueTrigger ", StringComparison.Ordinal));
        Assert.Contains(published, t => t.StartsWith("timerTrigger ", StringComparison.Ordinal));
        Assert.Equal(Queues.All.Count, published.Count(t => t.StartsWith("queueTrigger ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("route", "api/v1/city/requests/{id}/updates")]
    [InlineData("methods", "get")]
    [InlineData("queueName", "deliveries")]
    [InlineData("schedule", "0 0 * * * *")]
    [InlineData("connection", "OtherStorage")]
    public void A_function_bound_differently_from_its_row_is_a_difference(string property, string value)
    {
        var metadata = PublishedMetadata();
        var function = metadata.First(f => f!["bindings"]![0]![property] is not null)!;
        function["bindings"]![0]![property] = property == "methods" ? new JsonArray(value) : value;

        Assert.NotEqual(Rows().Order(), Describe(metadata).Order());
    }

    /// <summary>Each row as the Functions host should list it, under the name the generator gives it there (<see cref="FunctionsAppSource.HostNames"/>).</summary>
    private static List<string> Rows()
    {
        var names = FunctionsAppSource.HostNames(HubTriggers.All);
        return
        [
            .. HubTriggers.All.Select(row => row switch
            {
                HttpFunction http => $"httpTrigger {names[http.Name]} {string.Join(',', http.Methods.Select(m => m.ToUpperInvariant()).Order())} {http.Route}",
                QueueFunction queue => $"queueTrigger {names[queue.Name]} {queue.Queue} {Connections.Storage}",
                TimerFunction timer => $"timerTrigger {names[timer.Name]} {timer.Schedule}",
                _ => throw new InvalidOperationException($"Unknown row {row}"),
            }),
        ];
    }

    private static List<string> Describe(JsonArray metadata) =>
    [
        .. metadata.Select(function =>
        {
            var name = (string)function!["name"]!;
            var trigger = function["bindings"]!.AsArray().Single(b => ((string)b!["type"]!).EndsWith("Trigger", StringComparison.Ordinal))!;
            var type = (string)trigger["type"]!;
            return type switch
            {
                "httpTrigger" => $"{type} {name} {string.Join(',', trigger["methods"]!.AsArray().Select(m => ((string)m!).ToUpperInvariant()).Order())} {(string?)trigger["route"]}",
                "queueTrigger" => $"{type} {name} {(string?)trigger["queueName"]} {(string?)trigger["connection"]}",
                "timerTrigger" => $"{type} {name} {(string?)trigger["schedule"]}",
                _ => $"{type} {name}",
            };
        }),
    ];

    /// <summary>The published app's metadata (tests/run-all.sh), or the build output's, whichever is newer.</summary>
    private static JsonArray PublishedMetadata()
    {
        var candidates = new[]
        {
            Environment.GetEnvironmentVariable("STATIONHUB_FUNCTIONS_APP") is { Length: > 0 } folder ? Path.Combine(folder, "functions.metadata") : null,
            Path.Combine(RepoPaths.Root, "artifacts", "functions-app", "functions.metadata"),
            Path.Combine(Path.GetDirectoryName(typeof(Functions.Platform.FunctionRows).Assembly.Location)!, "functions.metadata"),
        };
        // The newest of them: a folder published before the last build would otherwise be read stale.
        var path = candidates.OfType<string>().Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            ?? throw new InvalidOperationException("No functions.metadata: publish the app (tests/run-all.sh does) or build StationHub.Functions.");
        return JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions())!.AsArray();
    }
}
