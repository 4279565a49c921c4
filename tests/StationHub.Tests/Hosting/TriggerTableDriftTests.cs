using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using StationHub.LocalHost.Hosting;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Hosting;

/// <summary>
/// The two hosts serve one trigger table: every route, queue and schedule the local host serves
/// has a function with the same name and trigger in the Functions app's sources, and the
/// Functions app has nothing the local host lacks. The Functions app is not built here (its
/// packages are not in this machine's mirror), so its attributes are read from source.
/// </summary>
public sealed partial class TriggerTableDriftTests
{
    private static readonly string FunctionsApp = Path.Combine(RepoPaths.Root, "functions", "StationHub.Functions");

    [Fact]
    public void The_Functions_app_serves_exactly_the_local_hosts_trigger_table()
    {
        var local = LocalTriggers();
        var deployed = FunctionsAppTriggers();

        Assert.Equal(local.Order(), deployed.Order());
    }

    [Fact]
    public void Both_tables_hold_every_kind_of_trigger()
    {
        // Guards the comparison above against passing on two empty tables.
        var deployed = FunctionsAppTriggers();

        Assert.Contains(deployed, t => t.StartsWith("http ", StringComparison.Ordinal));
        Assert.Contains(deployed, t => t.StartsWith("queue ", StringComparison.Ordinal));
        Assert.Contains(deployed, t => t.StartsWith("timer ", StringComparison.Ordinal));
        Assert.Equal(Queues.All.Count, deployed.Count(t => t.StartsWith("queue ", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_source_reader_sees_a_changed_route()
    {
        // The reader must resolve constants, not echo names: a function bound to another route differs.
        const string source = """
            [Function(FunctionNames.HazardReportReceived)]
            public Task<HttpResponseData> HazardReportReceived(
                [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.CityUpdates)] HttpRequestData request) => null!;
            """;

        var read = ReadTriggers(source);

        Assert.Equal(["http HazardReportReceived POST " + Routes.CityUpdates], read);
        Assert.DoesNotContain(read, LocalTriggers().Contains);
    }

    private static List<string> LocalTriggers()
    {
        var settings = new Dictionary<string, string?>
        {
            ["LocalHost:HostJson"] = RepoPaths.HostJson,
            ["Sandbox:Enabled"] = "true",
        };
        var app = HubHost.Build([], settings, readLocalSettings: false);
        var table = app.Services.GetRequiredService<LocalTriggerTable>();
        return
        [
            .. table.Http.Select(h => $"http {h.Name} {h.Method} {h.Route}"),
            .. table.Queues.Select(q => $"queue {q.Name} {q.Queue}"),
            .. table.Timers.Select(t => $"timer {t.Name} {t.Schedule}"),
        ];
    }

    private static List<string> FunctionsAppTriggers()
    {
        Assert.True(Directory.Exists(FunctionsApp), $"The Functions app is missing at {FunctionsApp}.");
        return [.. Directory.EnumerateFiles(FunctionsApp, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => ReadTriggers(File.ReadAllText(path)))];
    }

    private static List<string> ReadTriggers(string source)
    {
        var found = new List<string>();
        var functions = FunctionAttribute().Matches(source);
        for (var i = 0; i < functions.Count; i++)
        {
            var name = Constant(typeof(FunctionNames), functions[i].Groups["name"].Value);
            var end = i + 1 < functions.Count ? functions[i + 1].Index : source.Length;
            var body = source[functions[i].Index..end];
            var method = MethodName().Match(body);
            Assert.True(method.Success && method.Groups["method"].Value == name, $"The method of function {name} must carry its name.");
            if (HttpAttribute().Match(body) is { Success: true } http)
            {
                found.Add($"http {name} {http.Groups["verb"].Value.ToUpperInvariant()} {Constant(typeof(Routes), http.Groups["route"].Value)}");
            }
            else if (QueueAttribute().Match(body) is { Success: true } queue)
            {
                found.Add($"queue {name} {Constant(typeof(Queues), queue.Groups["queue"].Value)}");
            }
            else if (TimerAttribute().Match(body) is { Success: true } timer)
            {
                found.Add($"timer {name} {Constant(typeof(Schedules), timer.Groups["schedule"].Value)}");
            }
            else
            {
                Assert.Fail($"Function {name} has no trigger bound to a trigger-table constant.");
            }
        }

        return found;
    }

    private static string Constant(Type table, string field) =>
        table.GetField(field, BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
            ?? throw new InvalidOperationException($"{table.Name}.{field} is not a constant of the trigger table.");

    [GeneratedRegex(@"\[Function\(FunctionNames\.(?<name>\w+)\)\]")]
    private static partial Regex FunctionAttribute();

    [GeneratedRegex(@"public\s+(?:async\s+)?[\w<>\[\]?, ]+\s+(?<method>\w+)\s*\(")]
    private static partial Regex MethodName();

    [GeneratedRegex(@"\[HttpTrigger\(AuthorizationLevel\.\w+,\s*""(?<verb>\w+)"",\s*Route\s*=\s*Routes\.(?<route>\w+)\)\]")]
    private static partial Regex HttpAttribute();

    [GeneratedRegex(@"\[QueueTrigger\(Queues\.(?<queue>\w+)\)\]")]
    private static partial Regex QueueAttribute();

    [GeneratedRegex(@"\[TimerTrigger\(Schedules\.(?<schedule>\w+)\)\]")]
    private static partial Regex TimerAttribute();
}
