using StationHub.Benchmarks;
using StationHub.Benchmarks.Costs;
using StationHub.Benchmarks.GigWork;
using StationHub.Benchmarks.HazardReports;
using StationHub.Benchmarks.Ledger;
using StationHub.Benchmarks.OtherFlows;
using StationHub.Benchmarks.Reporting;
using StationHub.Benchmarks.Soak;
using StationHub.Benchmarks.Stations;
using StationHub.Benchmarks.Tenants;
using StationHub.Testing;

// The benchmark program: see docs/benchmarks.md. Progress goes to stderr; the table to stdout.
var options = BenchmarkOptions.Parse(args, Console.Error);
if (options is null)
{
    return 2;
}

var command = "dotnet run -c Release --project tests/StationHub.Benchmarks" + (args.Length > 0 ? " -- " + string.Join(' ', args) : string.Empty);
var outPath = options.Out ?? Path.Combine(RepoPaths.Root, "artifacts", "benchmarks", "latest.json");
var progress = Console.Error;
IntakeRuns? intake = null;
IReadOnlyList<FlowLevelRun>? flows = null;
EndToEndRun? endToEnd = null;
LedgerRun? ledger = null;
if (options.Runs("intake"))
{
    progress.WriteLine($"1. intake: {options.Repeat} sweeps over c = {string.Join(", ", options.Concurrencies)}, {options.Duration.TotalSeconds:0.#} s each for the hub and for the limit");
    intake = await new IntakeBenchmark(options, progress).RunAsync();
}

if (options.Runs("flows"))
{
    progress.WriteLine($"1b. pickup-order and points intake: {options.Repeat} runs over c = {string.Join(", ", options.FlowConcurrencies)}");
    flows = await new FlowIntakeBenchmark(options, progress).RunAsync();
}

if (options.Runs("e2e"))
{
    progress.WriteLine("2. end to end");
    endToEnd = await new EndToEndBenchmark(options, progress).RunAsync();
}

if (options.Runs("ledger"))
{
    progress.WriteLine($"3. ledger: days of {string.Join(", ", options.LedgerSizes)} entries, with none and with {options.LedgerHistoryDays} earlier days");
    ledger = await new LedgerBenchmark(options, progress).RunAsync();
}

StationRun? stations = null;
if (options.Runs("stations"))
{
    progress.WriteLine($"5. stations: status reports against the bare table write, and the map's near= with {StationBenchmark.Stations:N0} stations");
    stations = await new StationBenchmark(options, progress).RunAsync();
}

SoakRun? soak = null;
if (options.Runs("soak"))
{
    progress.WriteLine($"6. soak: {options.SoakDuration.TotalMinutes:0.#} min of mixed traffic at {options.SoakRate:0.#}/s, with the hub killed and Azurite frozen");
    soak = await new SoakBenchmark(options, progress).RunAsync();
}

EmulatorRun? emulator = null;
if (options.Runs("emulator"))
{
    progress.WriteLine("6b. emulator: Azurite's cost per request as a table grows to 80,000 entities and a queue holds 10,000 messages");
    emulator = await new EmulatorProbe(progress).RunAsync();
}

IReadOnlyList<GigPhase>? gig = null;
if (options.Runs("gig"))
{
    progress.WriteLine("7. gig work: intake and apply, events/s and storage requests per event");
    gig = await new GigWorkBenchmark(progress).RunAsync();
}

CostRun? costs = null;
if (options.Runs("costs"))
{
    progress.WriteLine($"8. costs: storage requests per item of every flow ({CostBenchmark.Items} items each), and of an idle host per minute");
    costs = await new CostBenchmark(options, progress).RunAsync();
}

IReadOnlyList<ImportRun>? imports = null;
if (options.Runs("import"))
{
    progress.WriteLine($"9. import: {string.Join(" and ", ImportBenchmark.Sizes.Select(n => n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))} stations in one GeoJSON import each, until served on the map");
    imports = await new ImportBenchmark(progress).RunAsync();
}

var report = BenchmarkReport.Build(options, command, intake, flows, endToEnd, ledger) with { Costs = costs };
await ReportJson.WriteAsync(report, outPath);
progress.WriteLine();
ReportTable.Print(report, outPath, Console.Out);
if (stations is not null)
{
    StationBenchmark.Print(stations, Console.Out);
}

if (soak is not null)
{
    SoakBenchmark.Print(soak, Console.Out);
}

if (emulator is not null)
{
    EmulatorProbe.Print(emulator, Console.Out);
}

if (gig is not null)
{
    GigWorkBenchmark.Print(gig, Console.Out);
}

if (costs is not null)
{
    CostBenchmark.Print(costs, Console.Out);
}

if (imports is not null)
{
    ImportBenchmark.Print(imports, Console.Out);
}

return 0;
