using System.Reflection;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Functions.Platform;
using StationHub.Platform.Http;
using StationHub.Triggers;

namespace StationHub.Tests.Hosting;

/// <summary>
/// Each attribute-bound method of the Functions app hands its trigger to the row of the trigger
/// table that bears its function's name: the methods are invoked here with rows that record which
/// of them ran.
/// </summary>
public sealed class FunctionRowsTests
{
    [Fact]
    public async Task Each_function_method_runs_the_row_of_its_own_name()
    {
        var ran = new List<string>();
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddSingleton<StationHub.Platform.Storage.RequestDeadline>()
            .AddSingleton(new StationHub.Platform.Security.ApiKeys(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build())).BuildServiceProvider();
        var rows = new FunctionRows(services, HubTriggers.All.Select(row => Recording(row, ran)));
        var methods = FunctionMethods().ToList();

        foreach (var (method, name) in methods)
        {
            ran.Clear();
            var instance = Activator.CreateInstance(method.DeclaringType!, rows);
            await (Task)method.Invoke(instance, [.. method.GetParameters().Select(p => Argument(p.ParameterType, services))])!;

            Assert.True(ran is [var only] && only == name, $"{method.DeclaringType!.Name}.{method.Name} ([Function(\"{name}\")]) ran [{string.Join(", ", ran)}].");
        }

        Assert.Equal(HubTriggers.All.Select(row => row.Name).Order(), methods.Select(m => m.Name).Order());
    }

    private static IEnumerable<(MethodInfo Method, string Name)> FunctionMethods() =>
        from type in typeof(FunctionRows).Assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        let function = method.GetCustomAttribute<FunctionAttribute>()
        where function is not null
        select (method, function.Name);

    private static TriggerFunction Recording(TriggerFunction row, List<string> ran) => row switch
    {
        // Which row a method runs, not who may call it (HostGuardTests and the flows' tests hold that): public here.
        HttpFunction http => http with { Handler = (_, _, _) => { ran.Add(http.Name); return Task.FromResult(HubResponse.Empty(204)); }, Caller = StationHub.Platform.Security.Caller.Public },
        QueueFunction queue => queue with { Handler = (_, _, _) => { ran.Add(queue.Name); return Task.CompletedTask; } },
        TimerFunction timer => timer with { Handler = (_, _) => { ran.Add(timer.Name); return Task.CompletedTask; } },
        _ => throw new InvalidOperationException($"Unknown row {row}"),
    };

    private static object? Argument(Type type, IServiceProvider services) =>
        type == typeof(HttpRequest) ? new DefaultHttpContext { RequestServices = services }.Request
        : type == typeof(QueueMessage) ? QueuesModelFactory.QueueMessage("m1", "pop", BinaryData.FromString("{}"), 1)
        : type == typeof(TimerInfo) ? new TimerInfo()
        : type == typeof(CancellationToken) ? CancellationToken.None
        : throw new InvalidOperationException($"No test argument for {type}.");
}
