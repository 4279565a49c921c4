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

var hubPeak = options.Concurrencies.Max(c => StationHub.Benchmarks.Measurement.Median.Of(sweeps.Select(s => s.Levels.Single(l => l.Concurrency == c).Hub.PerSecond)));
FixedRateRuns halfPeak;
EndToEndRun endToEnd;
await using (var azurite = await AzuriteProcess.StartAsync())
{
    progress.WriteLine($"1. intake: open loop at half the hub's peak ({hubPeak:0}/s / 2)");
    halfPeak = await intake.RunFixedRateAsync(azurite, hubPeak / 2);
    progress.WriteLine("2. end to end");
    endToEnd = await new EndToEndBenchmark(options, progress).RunAsync(azurite);
}

var report = BenchmarkReport.Build(options, command, sweeps, halfPeak, endToEnd);
await ReportJson.WriteAsync(report, outPath);
progress.WriteLine();
ReportTable.Print(report, outPath, Console.Out);
return 0;
