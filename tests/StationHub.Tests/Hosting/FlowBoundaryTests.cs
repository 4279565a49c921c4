using System.Text.RegularExpressions;
using StationHub.Triggers;
using Xunit.Abstractions;

namespace StationHub.Tests.Hosting;

/// <summary>
/// A flow is one folder: outside it, the hand-written code of functions/ names a flow only in the flow
/// list (<see cref="HubFlows"/>) and the one JSON context, and another flow names it only to call its
/// API. A file names a flow when it uses the flow's namespace, a type qualified by it, one of the names
/// its module adds to the trigger table's name classes (<c>Queues.PickupOrderEvents</c>), or one of its
/// function names. The tests print the table of files per flow; the figures in the README come from it.
/// </summary>
public sealed partial class FlowBoundaryTests(ITestOutputHelper output)
{
    private static readonly string Functions = Path.Combine(RepoPaths.Root, "functions");
    private static readonly string Library = Path.Combine(Functions, "StationHub");

    /// <summary>Hub-wide files that may name every flow: the flow list and the source-generated JSON context (STYLE).</summary>
    private static readonly string[] Allowed = ["StationHub/Triggers/HubFlows.cs", "StationHub/Platform/Json/HubJsonContext.cs"];

    /// <summary>Flows the rest of the hub calls as services (every flow writes ledger entries and sends deliveries; the flows describe themselves in the contract's terms).</summary>
    private static readonly string[] Services = ["Ledger", "Delivery", "Contract"];

    /// <summary>What is still named outside its flow, each with why; the test fails when one goes, so the list shrinks with the code.</summary>
    private static readonly string[] KnownExceptions =
    [
        // The sample CLI is a client of the hub: gig-sample runs FlagOverdueGigPayments now, by name, as any client of run-now does.
        "GigWork: StationHub.Cli/Program.cs",
    ];

    [Fact]
    public void Hub_wide_code_names_a_flow_only_in_the_flow_list_and_the_JSON_context()
    {
        var table = Table();
        var found = new List<string>();
        foreach (var (flow, files) in table.Where(row => !Services.Contains(row.Key)))
        {
            output.WriteLine($"{flow}: {files.Count} files outside its folder; hub-wide: [{string.Join(", ", HubWide(files))}]; other flows: [{string.Join(", ", files.Except(HubWide(files)))}]");
            found.AddRange(HubWide(files).Except(Allowed).Select(file => $"{flow}: {file}"));
        }

        foreach (var (flow, files) in table.Where(row => Services.Contains(row.Key)))
        {
            output.WriteLine($"{flow} (a service of the others): {files.Count} files outside its folder; hub-wide: [{string.Join(", ", HubWide(files))}]");
        }

        Assert.Equal(KnownExceptions.Order(), found.Order());
    }

    [Fact]
    public void A_function_name_stands_in_at_most_two_hand_written_files()
    {
        var sources = Sources(Functions).ToDictionary(path => path, File.ReadAllText);
        var counts = HubTriggers.All.ToDictionary(
            row => row.Name,
            row => sources.Count(source => NameUse(row.Name).IsMatch(source.Value)));
        output.WriteLine($"Hand-written files in functions/ per function name: average {counts.Values.Average():0.0}, most {counts.Values.Max()} ({string.Join(", ", counts.Where(c => c.Value == counts.Values.Max()).Select(c => c.Key))}).");

        Assert.All(counts, count => Assert.InRange(count.Value, 1, 2));
    }

    /// <summary>Each flow, with the hand-written files outside its folder that name it (paths from functions/).</summary>
    private static Dictionary<string, List<string>> Table()
    {
        var sources = Sources(Functions).ToDictionary(path => path, File.ReadAllText);
        var table = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var flow in HubFlows.All)
        {
            var folder = Path.Combine(Library, flow.Name) + Path.DirectorySeparatorChar;
            var module = File.ReadAllText(Path.Combine(folder, flow.Name + "Module.cs"));
            var names = ContributedNames(module).Select(Regex.Escape)
                .Concat(flow.Functions.Select(row => "FunctionNames\\." + row.Name + "\\b|(?<!cref=)\"" + row.Name + "\""))
                .Append($@"using StationHub\.{flow.Name}[.;]|\bStationHub\.{flow.Name}\.|(?<![\w.]){flow.Name}\.[A-Z]");
            var pattern = new Regex(string.Join('|', names.Select(name => "(?:" + name + ")")));
            table[flow.Name] =
            [
                .. sources.Where(source => !source.Key.StartsWith(folder, StringComparison.Ordinal) && pattern.IsMatch(source.Value))
                    .Select(source => Path.GetRelativePath(Functions, source.Key).Replace('\\', '/'))
                    .Order(StringComparer.Ordinal),
            ];
        }

        return table;
    }

    /// <summary>The names a module adds to the trigger table's name classes (<c>Queues.X</c>, <c>Tables.X</c>, …).</summary>
    private static IEnumerable<string> ContributedNames(string module)
    {
        var at = module.IndexOf("namespace StationHub.Triggers", StringComparison.Ordinal);
        if (at < 0)
        {
            yield break;
        }

        foreach (Match part in PartialClass().Matches(module[at..]))
        {
            foreach (Match member in Member().Matches(part.Groups["body"].Value))
            {
                yield return part.Groups["class"].Value + "." + member.Groups["name"].Value;
            }
        }
    }

    private static List<string> HubWide(List<string> files) =>
        [.. files.Where(file => !HubFlows.All.Any(flow => file.StartsWith($"StationHub/{flow.Name}/", StringComparison.Ordinal)))];

    private static IEnumerable<string> Sources(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.EndsWith(".g.cs", StringComparison.Ordinal));

    /// <summary>A use of the function name: the constant, or the name as a string.</summary>
    private static Regex NameUse(string name) => new($@"FunctionNames\.{name}\b|(?<!cref=)""{name}""|const string {name}\b");

    [GeneratedRegex(@"partial class (?<class>\w+)\s*\{(?<body>.*?)\n    \}", RegexOptions.Singleline)]
    private static partial Regex PartialClass();

    [GeneratedRegex(@"public (?:const string|static string) (?<name>\w+)")]
    private static partial Regex Member();
}
