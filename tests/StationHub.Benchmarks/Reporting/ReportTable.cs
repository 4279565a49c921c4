using System.Globalization;
using StationHub.Benchmarks.Ledger;
using StationHub.Benchmarks.Measurement;

namespace StationHub.Benchmarks.Reporting;

/// <summary>Prints a <see cref="BenchmarkReport"/> as the table on stdout.</summary>
public static class ReportTable
{
    private const double NoisyOtherCpu = QuietMachine.OtherCpuLimit;

    public static void Print(BenchmarkReport report, string jsonPath, TextWriter output)
    {
        var w = new Writer(output);
        var m = report.Machine;
        var s = report.Settings;
        w.Line($"StationHub benchmark, {report.TakenAt:yyyy-MM-dd HH:mm} UTC: {m.Cores} cores, {m.MemoryGiB:0.0} GiB, {m.Runtime}, {m.Azurite}");
        w.Line($"command: {report.Command}");
        w.Line($"medians of {s.Repeat} runs, {s.SecondsPerLevel:0.#} s per level; cpu in % of one core ({m.Cores * 100} % = all cores)");
        w.Line();
        if (report.Intake is { } intake)
        {
            PrintIntake(w, intake);
        }

        if (report.Flows is { } flows)
        {
            w.Text("1b. Pickup-order and points intake: hub = signed webhooks over HTTP; limit = the hub's own stores called in-process (no HTTP, signing, validation)");
            w.Text("   flow                    c   hub/s limit/s  ratio | hub ack p50    p99 | limit p50   p99 | errors | cpu %, hub run: azurite host bench other");
            foreach (var f in flows)
            {
                w.Line($"   {f.Flow,-21} {f.Concurrency,3} {f.HubPerSecond,7:0} {f.LimitPerSecond,7:0} {f.Ratio,6:0.00} | {f.AckP50Ms,11:0.0} {f.AckP99Ms,6:0.0} | {f.LimitP50Ms,9:0.0} {f.LimitP99Ms,5:0} | {f.Errors,6} | {f.HubRunCpu.Azurite,22:0} {f.HubRunCpu.Host,4:0} {f.HubRunCpu.Benchmark,5:0} {f.HubRunCpu.Other,5:0}");
            }

            foreach (var f in flows.Where(f => f.ErrorsByKind.Count > 0))
            {
                w.Line($"  errors, {f.Flow} at c={f.Concurrency}: {string.Join(", ", f.ErrorsByKind.Select(e => $"{e.Key} x{e.Value}"))}");
            }

            w.Line();
        }

        if (report.EndToEnd is { } e2e)
        {
            w.Line($"2. End to end: {e2e.RatePerSecond:0.#}/s for {e2e.Seconds:0} s, POST start to the city receiver's arrival (default host.json polling)");
            w.Line($"  {e2e.Accepted} of {e2e.Sent} accepted, {e2e.Delivered} delivered; p50 {e2e.Latency.P50:0} ms, p95 {e2e.Latency.P95:0} ms, p99 {e2e.Latency.P99:0} ms, max {e2e.Latency.Max:0} ms; cpu azurite {e2e.Cpu.Azurite:0} host {e2e.Cpu.Host:0} bench {e2e.Cpu.Benchmark:0} other {e2e.Cpu.Other:0}");
            w.Line();
        }

        if (report.Ledger is { } ledger)
        {
            PrintLedger(w, ledger);
        }

        if (report.Memory is { } memory)
        {
            w.Text("4. Memory: the local host's peak RSS (VmHWM) over all the intake runs");
            w.Line($"  {memory.PeakRssMiB:0.0} MiB; largest VmRSS sampled {memory.MaxSampledRssMiB:0.0} MiB; the end-to-end host peaked at {memory.EndToEndHostPeakRssMiB:0.0} MiB");
            w.Line();
        }

        w.Text("Targets");
        foreach (var target in report.Targets)
        {
            var measured = target.Measured.ToString(target.Unit.Length == 0 ? "0.00" : "0.##", CultureInfo.InvariantCulture);
            w.Line($"  {(target.Met ? "MET   " : "MISSED")} {target.Name}: {measured}{(target.Unit.Length == 0 ? string.Empty : " " + target.Unit)} (target {target.Target}; {target.Note})");
        }

        w.Line($"  {report.Targets.Count(t => t.Met)} of {report.Targets.Count} met. JSON: {jsonPath}");
    }

    private static void PrintLedger(Writer w, LedgerRun ledger)
    {
        w.Text("3. Ledger: the hub's hourly sealing run (LedgerSealing): compiling (reading the day's entries, summing, Merkle root, hash), sealing one day, appending it to the tree over all days and signing its checkpoint");
        w.Text("   entries  earlier days | seal, s  runs                  | of which tree, ms | cpu %: azurite bench other | entries written/s");
        foreach (var seal in ledger.Seals)
        {
            var runs = string.Join(", ", seal.SealMsPerRun.Select(ms => (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture)));
            var writeRate = seal.WriteSeconds > 0 ? seal.Entries / seal.WriteSeconds : double.NaN;
            w.Line($"  {seal.Entries,8:N0} {seal.EarlierDays,13} | {seal.SealMs / 1000,7:0.00}  {runs,-21} | {seal.TreeMs,17:0} | {seal.Cpu.Azurite,14:0} {seal.Cpu.Benchmark,5:0} {seal.Cpu.Other,5:0} | {writeRate,8:N0}");
        }

        w.Line($"  history: {ledger.HistoryDays} days of {ledger.HistoryEntriesPerDay:N0} entries written in {ledger.HistoryWriteSeconds:0.0} s, then sealed in one catching-up run in {ledger.HistorySealSeconds:0.0} s");
        w.Line($"  verifying the chain of {ledger.VerifiedDays} sealed days over HTTP (LedgerVerifier: list, then every day's hash, link and Merkle root): {ledger.VerifyMs / 1000:0.00} s (runs {string.Join(", ", ledger.VerifyMsPerRun.Select(ms => (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture)))} s)");
        w.Line();
    }

    private static void PrintIntake(Writer w, IntakeReport intake)
    {
        w.Text("1. Intake: hub = signed webhooks over HTTP (to the local host with triggers off, or to the hub at --hub); limit = the minimal durable accept from a bare SDK client (webhook-id claim, queue send, report insert)");
        w.Line($"   at each level the two in turns, hub, limit, limit, hub, ..., {intake.TurnsText}, the tables emptied before every turn; {intake.Placement}");
        w.Text("                              |  hub ack latency, ms          | limit, ms   |        | cpu %, hub run             | cpu %, limit run");
        w.Text("     c   hub/s limit/s  ratio |    p50    p95    p99     max |   p50   p99 | errors | azurite host bench other | azurite bench other");
        foreach (var l in intake.Levels)
        {
            var hub = l.HubRunCpu;
            var limit = l.LimitRunCpu;
            var noisy = hub.Other > NoisyOtherCpu || limit.Other > NoisyOtherCpu ? '*' : ' ';
            w.Line($" {noisy}{l.Concurrency,4} {l.HubPerSecond,7:0} {l.LimitPerSecond,7:0} {l.Ratio,6:0.00} | {l.AckP50Ms,6:0.0} {l.AckP95Ms,6:0.0} {l.AckP99Ms,6:0.0} {l.AckMaxMs,7:0} | {l.LimitP50Ms,5:0.0} {l.LimitP99Ms,5:0} | {l.HubErrors + l.LimitErrors,6} | {hub.Azurite,7:0} {hub.Host,4:0} {hub.Benchmark,5:0} {hub.Other,5:0} | {limit.Azurite,7:0} {limit.Benchmark,5:0} {limit.Other,5:0}");
        }

        if (intake.Levels.Any(l => l.HubRunCpu.Other > NoisyOtherCpu || l.LimitRunCpu.Other > NoisyOtherCpu))
        {
            w.Line($"  * other processes used more than {NoisyOtherCpu:0} % of a core during this level (median): its figures are suspect");
        }

        foreach (var level in intake.Levels.Where(l => l.ErrorsByKind.Count > 0))
        {
            w.Line($"  errors at c={level.Concurrency}: {string.Join(", ", level.ErrorsByKind.Select(e => $"{e.Key} x{e.Value}"))}");
        }

        var sizes = intake.Sizes;
        w.Line($"  one accepted report: message {sizes.HubMessageBytes} B (limit {sizes.LimitMessageBytes} B), stored report JSON {sizes.HubReportChars} chars (limit {sizes.LimitReportChars})");
        var fixedRate = intake.HalfPeak;
        w.Line($"  hub peak P = {intake.HubPeakPerSecond:0}/s at c={intake.HubPeakConcurrency}; open loop at P/2 = {fixedRate.RatePerSecond:0}/s (achieved {fixedRate.AchievedPerSecond:0}/s, errors {fixedRate.Errors}, pacer lag p99 {fixedRate.PacerLagP99Ms:0.0} ms):");
        if (double.IsNaN(fixedRate.P99Ms))
        {
            w.Line($"    hub ack   no answers (errors {fixedRate.Errors})");
        }
        else
        {
            w.Line($"    hub ack   p50 {fixedRate.P50Ms,5:0.0} ms  p95 {fixedRate.P95Ms,5:0.0} ms  p99 {fixedRate.P99Ms,6:0.0} ms  max {fixedRate.MaxMs,6:0.0} ms  p99 per run {Join(fixedRate.P99PerRunMs)}  cpu azurite {fixedRate.HubRunCpu.Azurite:0} host {fixedRate.HubRunCpu.Host:0} bench {fixedRate.HubRunCpu.Benchmark:0} other {fixedRate.HubRunCpu.Other:0}");
        }

        w.Line($"    limit     p50 {fixedRate.LimitP50Ms,5:0.0} ms                p99 {fixedRate.LimitP99Ms,6:0.0} ms              p99 per run {Join(fixedRate.LimitP99PerRunMs)}  cpu azurite {fixedRate.LimitRunCpu.Azurite:0} bench {fixedRate.LimitRunCpu.Benchmark:0} other {fixedRate.LimitRunCpu.Other:0}");
        w.Line();
    }

    private static string Join(IEnumerable<double> values) =>
        string.Join(", ", values.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)));

    /// <summary>Formats every line with the invariant culture.</summary>
    private sealed class Writer(TextWriter output)
    {
        public void Line() => output.WriteLine();

        public void Text(string line) => output.WriteLine(line);

        public void Line(FormattableString line) => output.WriteLine(line.ToString(CultureInfo.InvariantCulture));
    }
}
