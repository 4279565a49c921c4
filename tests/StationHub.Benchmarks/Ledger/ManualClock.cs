namespace StationHub.Benchmarks.Ledger;

/// <summary>A clock the benchmark sets: the sealer's "now", so it seals exactly the day measured.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
