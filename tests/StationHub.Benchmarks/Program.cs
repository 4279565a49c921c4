using StationHub.Benchmarks;
using StationHub.Benchmarks.HazardReports;
using StationHub.Benchmarks.Reporting;
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
var intake = new IntakeBenchmark(options, progress);

progress.WriteLine($"1. intake: {options.Repeat} sweeps over c = {string.Join(", ", options.Concurrencies)}, {options.Duration.TotalSeconds:0.#} s each for the hub and for the limit");
var sweeps = new List<IntakeSweep>();
for (var run = 1; run <= options.Repeat; run++)
{
    sweeps.Add(await intake.RunSweepAsync(run));
}

var hubPeak = IntakeLevelSummary.Of(options, sweeps).Max(level => level.HubPerSecond);
progress.WriteLine($"1. intake: open loop at half the hub's peak ({hubPeak:0}/s / 2)");
var halfPeak = await intake.RunFixedRateAsync(hubPeak / 2);
progress.WriteLine("2. end to end");
var endToEnd = await new EndToEndBenchmark(options, progress).RunAsync();

var report = BenchmarkReport.Build(options, command, sweeps, halfPeak, endToEnd);
await ReportJson.WriteAsync(report, outPath);
progress.WriteLine();
ReportTable.Print(report, outPath, Console.Out);
return 0;
