using System.Text.RegularExpressions;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Hosting;

/// <summary>The storage the infrastructure creates is exactly what the trigger table names.</summary>
public sealed partial class InfraTriggerTableTests
{
    private static readonly string MainBicep = File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "main.bicep"));

    [Fact]
    public void The_infrastructure_creates_exactly_the_trigger_tables_queues()
    {
        Assert.Equal(Queues.All.Order(), ListIn("queueNames").Order());
    }

    [Fact]
    public void The_infrastructure_creates_exactly_the_trigger_tables_tables()
    {
        Assert.Equal(Tables.All.Order(), ListIn("tableNames").Order());
    }

    private static List<string> ListIn(string variable)
    {
        var block = Regex.Match(MainBicep, $@"var {variable} = \[(?<items>[^\]]*)\]");
        Assert.True(block.Success, $"infra/main.bicep has no 'var {variable} = [...]'.");
        return [.. Item().Matches(block.Groups["items"].Value).Select(m => m.Groups["name"].Value)];
    }

    [GeneratedRegex(@"'(?<name>[^']+)'")]
    private static partial Regex Item();
}
