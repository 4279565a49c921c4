namespace StationHub.Benchmarks.Measurement;

/// <summary>What two alternated closed loops did, each side summed over its turns.</summary>
public sealed record AlternatedRuns(LoadResult A, CpuShares ACpu, LoadResult B, CpuShares BCpu);

/// <summary>
/// Two closed loops measured in turns, A B B A A B B A…, each turn a slice of the side's time, and
/// each side's turns summed. One run after the other gave the second whatever the machine and the
/// emulator had become meanwhile: on this machine one side's rate moved by a third between two
/// runs of the same code minutes apart, and the emulator slows as it holds more. In turns, both sides
/// meet the same drift, and the A B B A order cancels a steady one.
/// </summary>
public static class Alternation
{
    /// <summary>The longest a turn is by default: <see cref="Turns"/> gives a side this many seconds a turn at most.</summary>
    public static readonly TimeSpan DefaultTurn = TimeSpan.FromSeconds(5);

    /// <summary>Turns per side for <paramref name="duration"/>: at least two (so A B B A), otherwise one per <see cref="DefaultTurn"/>.</summary>
    public static int Turns(TimeSpan duration) => Math.Max(2, (int)Math.Round(duration / DefaultTurn));

    /// <summary>
    /// Runs <paramref name="a"/> and <paramref name="b"/> at <paramref name="concurrency"/> for
    /// <paramref name="duration"/> each, in <paramref name="turns"/> turns a side, calling
    /// <paramref name="beforeTurn"/> with the turn's index before every turn (to look at and reset what the previous turn
    /// left: turn 1 follows A's first) and measuring each turn's CPU.
    /// Each side numbers its operations on from <paramref name="firstNumber"/> across its turns.
    /// </summary>
    public static async Task<AlternatedRuns> ClosedLoopsAsync(
        int concurrency,
        TimeSpan duration,
        int turns,
        Operation a,
        Operation b,
        Func<CpuMeter> measureCpu,
        Func<int, Task> beforeTurn,
        long firstNumber = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        return await InTurnsAsync(duration, turns, a, b, measureCpu, beforeTurn, firstNumber, (slice, side) =>
            LoadRunner.ClosedLoopAsync(concurrency, slice, side.Operation, side.Next, side.Latencies));
    }

    /// <summary>
    /// As <see cref="ClosedLoopsAsync"/>, with each side started at <paramref name="ratePerSecond"/> whether or not its
    /// earlier operations have ended (<see cref="LoadRunner.OpenLoopAsync"/>); a side's pacer lag is its worst turn's.
    /// </summary>
    public static async Task<AlternatedRuns> OpenLoopsAsync(
        double ratePerSecond,
        TimeSpan duration,
        int turns,
        Operation a,
        Operation b,
        Func<CpuMeter> measureCpu,
        Func<int, Task> beforeTurn,
        long firstNumber = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        return await InTurnsAsync(duration, turns, a, b, measureCpu, beforeTurn, firstNumber, (slice, side) =>
            LoadRunner.OpenLoopAsync(ratePerSecond, slice, side.Operation, side.Next, side.Latencies));
    }

    private static async Task<AlternatedRuns> InTurnsAsync(
        TimeSpan duration,
        int turns,
        Operation a,
        Operation b,
        Func<CpuMeter> measureCpu,
        Func<int, Task> beforeTurn,
        long firstNumber,
        Func<TimeSpan, Side, Task<LoadResult>> run)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(turns, 1);
        ArgumentNullException.ThrowIfNull(measureCpu);
        ArgumentNullException.ThrowIfNull(beforeTurn);
        var slice = duration / turns;
        var sides = new[] { new Side(a, firstNumber), new Side(b, firstNumber) };
        for (var turn = 0; turn < 2 * turns; turn++)
        {
            var side = sides[turn % 4 is 0 or 3 ? 0 : 1];
            await beforeTurn(turn);
            var cpu = measureCpu();
            var result = await run(slice, side);
            side.Add(result, cpu.Stop());
        }

        return new AlternatedRuns(sides[0].Result(), sides[0].Cpu(), sides[1].Result(), sides[1].Cpu());
    }

    private sealed class Side(Operation operation, long firstNumber)
    {
        private readonly Dictionary<string, int> errors = new(StringComparer.Ordinal);
        private readonly List<(CpuShares Shares, double Seconds)> cpu = [];
        private long succeeded;
        private double seconds;
        private double pacerLag;

        public Operation Operation => operation;

        public long Next { get; private set; } = firstNumber;

        public List<double> Latencies { get; } = [];

        public void Add(LoadResult result, CpuShares shares)
        {
            Next += result.Succeeded + result.ErrorCount;
            succeeded += result.Succeeded;
            seconds += result.Seconds;
            pacerLag = Math.Max(pacerLag, result.PacerLagP99Ms);
            foreach (var (label, count) in result.Errors)
            {
                errors[label] = errors.GetValueOrDefault(label) + count;
            }

            cpu.Add((shares, result.Seconds));
        }

        public LoadResult Result() => new(succeeded, errors, seconds, seconds > 0 ? succeeded / seconds : 0, LatencySummary.Of(Latencies), pacerLag);

        public CpuShares Cpu() => CpuShares.Weighted(cpu);
    }
}
