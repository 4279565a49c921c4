using System.Reflection;
using Xunit;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("StationHub.Tests.Infrastructure.LongestFirst", "StationHub.Tests")]

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// Marks a test class that takes tens of seconds (it waits on real processes, retries or visibility
/// timeouts): <see cref="LongestFirst"/> starts it before the others.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RunsLongAttribute : Attribute;

/// <summary>
/// Starts the test classes marked <see cref="RunsLongAttribute"/> first, and the rest after them in the
/// order xunit gives. The suite runs six classes at a time (<c>xunit.runner.json</c>): a long class left to
/// the end ran alone for its last half-minute (a busy-loop run's last 35 s had one or two threads busy,
/// on <c>DeliveryTests</c> and <c>HostCrashTests</c>), while the short ones fill the gaps when they go last.
/// Six, measured on 2 cores (the <c>dotnet test</c> step, quiet, 2026-12-06): 127 and 137 s, against 154
/// and 157 s at four, 147 s at five and 150 s at eight, where the processes the tests start poll more than
/// the cores can serve.
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    private const string DefaultCollectionPrefix = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderByDescending(RunsLong).ToList();

    private static bool RunsLong(ITestCollection collection)
    {
        // A class's own collection (the default: one per class) is named after the class.
        if (collection.CollectionDefinition is not null || !collection.DisplayName.StartsWith(DefaultCollectionPrefix, StringComparison.Ordinal)
            || collection.TestAssembly.Assembly is not IReflectionAssemblyInfo assembly)
        {
            return false;
        }

        var type = assembly.Assembly.GetType(collection.DisplayName[DefaultCollectionPrefix.Length..]);
        return type?.GetCustomAttribute<RunsLongAttribute>() is not null;
    }
}
