namespace StationHub.Benchmarks.Measurement;

/// <summary>What two alternated loops did, each side summed over its turns.</summary>
public sealed record AlternatedRuns(LoadResult A, CpuShares ACpu, LoadResult B, CpuShares BCpu);

/// <summary>
/// How two loops take turns: <see cref="Count"/> turns a side, each <see cref="Length"/> long;
/// <see cref="BeforeTurn"/> is called with the turn's index before every turn (to look at and reset what the
/// previous turn left: turn 1 follows A's first), and each turn's CPU is measured with <see cref="MeasureCpu"/>.
/// Each side numbers its operations on from <see cref="FirstNumber"/> across its turns.
/// </summary>
public sealed record Turns(int Count, TimeSpan Length, Func<CpuMeter> MeasureCpu, Func<int, Task> BeforeTurn, long FirstNumber = 0)
{
    /// <summary>The longest a turn is by default: <see cref="For"/> gives a side this many seconds a turn at most.</summary>
    public static readonly TimeSpan DefaultTurn = TimeSpan.FromSeconds(5);

    /// <summary>Turns per side for <paramref name="duration"/>: at least two (so A B B A), otherwise one per <see cref="DefaultTurn"/>.</summary>
    public static int For(TimeSpan duration) => Math.Max(2, (int)Math.Round(duration / DefaultTurn));
}

/// <summary>
/// Two loops measured in turns, A B B A A B B A…, each turn a slice of the side's time, and
/// each side's turns summed. One run after the other gave the second whatever the machine and the
/// emulator had become meanwhile: on this machine one side's rate moved by a third between two
/// runs of the same code minutes apart, and the emulator slows as it holds more. In turns, both sides
/// meet the same drift, and the A B B A order cancels a steady one.
/// </summary>
public static class Alternation
{
    /// <summary>Closed loops (<see cref="LoadRunner.ClosedLoopAsync"/>) of <paramref name="a"/> and <paramref name="b"/> at <paramref name="concurrency"/>.</summary>
    public static Task<AlternatedRuns> ClosedLoopsAsync(int concurrency, Operation a, Operation b, Turns turns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        return InTurnsAsync(a, b, turns, (slice, side) => LoadRunner.ClosedLoopAsync(concurrency, slice, side.Operation, side.Next, side.Latencies));
    }

    /// <summary>
    /// Open loops (<see cref="LoadRunner.OpenLoopAsync"/>): each side started at <paramref name="ratePerSecond"/> whether
    /// or not its earlier operations have ended; a side's pacer lag is its worst turn's.
    /// </summary>
    public static Task<AlternatedRuns> OpenLoopsAsync(double ratePerSecond, Operation a, Operation b, Turns turns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        return InTurnsAsync(a, b, turns, (slice, side) => LoadRunner.OpenLoopAsync(ratePerSecond, slice, side.Operation, side.Next, side.Latencies));
    }

    private static async Task<AlternatedRuns> InTurnsAsync(Operation a, Operation b, Turns turns, Func<TimeSpan, Side, Task<LoadResult>> run)
    {
        ArgumentNullException.ThrowIfNull(turns);
        ArgumentOutOfRangeException.ThrowIfLessThan(turns.Count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(turns.Length, TimeSpan.Zero);
        var sides = new[] { new Side(a, turns.FirstNumber), new Side(b, turns.FirstNumber) };
        for (var turn = 0; turn < 2 * turns.Count; turn++)
        {
            var side = sides[turn % 4 is 0 or 3 ? 0 : 1];
            await turns.BeforeTurn(turn);
            var cpu = turns.MeasureCpu();
            var result = await run(turns.Length, side);
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
