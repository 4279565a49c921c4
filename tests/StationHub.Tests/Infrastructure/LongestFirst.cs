using System.Reflection;
using Xunit;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("StationHub.Tests.Infrastructure.LongestFirst", "StationHub.Tests")]

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// Marks a test class that takes ten seconds or more (it waits on real processes, retries or visibility
/// timeouts): <see cref="LongestFirst"/> starts it before the others, the longest first.
/// </summary>
/// <param name="seconds">
/// About how long the class takes in a run of the suite on 2 cores: its tests' durations summed, from a
/// run's trx (<c>dotnet test --logger trx</c>). Only the order matters, so a rough figure does.
/// </param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RunsLongAttribute(int seconds) : Attribute
{
    public int Seconds { get; } = seconds;
}

/// <summary>
/// Starts the test classes marked <see cref="RunsLongAttribute"/> first, the longest first, and the rest after
/// them in the order xunit gives. The suite runs six classes at a time (<c>xunit.runner.json</c>): a long class
/// left to the end runs alone for its last seconds, while the short ones fill the gaps when they go last.
/// <list type="bullet">
/// <item>Before any class was marked, a busy-loop run's last 35 s had one or two threads busy, on
/// <c>DeliveryTests</c> and <c>HostCrashTests</c>.</item>
/// <item>With the marked ones first in no order, a quiet step of 131 s (at ea68560) started an unmarked class of
/// 23 s at 108 s, which ran alone for the last 11 s, and the two longest marked ones at 39 and 46 s.</item>
/// </list>
/// Six, measured on 2 cores (the <c>dotnet test</c> step, quiet, 2026-12-06): 127 and 137 s, against 154
/// and 157 s at four, 147 s at five and 150 s at eight, where the processes the tests start poll more than
/// the cores can serve.
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    private const string DefaultCollectionPrefix = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderByDescending(Seconds).ToList();

    private static int Seconds(ITestCollection collection)
    {
        // A class's own collection (the default: one per class) is named after the class.
        if (collection.CollectionDefinition is not null || !collection.DisplayName.StartsWith(DefaultCollectionPrefix, StringComparison.Ordinal)
            || collection.TestAssembly.Assembly is not IReflectionAssemblyInfo assembly)
        {
            return 0;
        }

        var type = assembly.Assembly.GetType(collection.DisplayName[DefaultCollectionPrefix.Length..]);
        return type?.GetCustomAttribute<RunsLongAttribute>()?.Seconds ?? 0;
    }
}
