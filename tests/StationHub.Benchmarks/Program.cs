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
progress.WriteLine($"1. intake: {options.Repeat} sweeps over c = {string.Join(", ", options.Concurrencies)}, {options.Duration.TotalSeconds:0.#} s each for the hub and for the limit");
var intake = await new IntakeBenchmark(options, progress).RunAsync();
progress.WriteLine("2. end to end");
var endToEnd = await new EndToEndBenchmark(options, progress).RunAsync();

var report = BenchmarkReport.Build(options, command, intake, endToEnd);
await ReportJson.WriteAsync(report, outPath);
progress.WriteLine();
ReportTable.Print(report, outPath, Console.Out);
return 0;
