namespace StationHub.Benchmarks.Ledger;

/// <summary>Part 3: the ledger.</summary>
public static class LedgerBenchmark
{
    // TODO: measure the public ledger once its flow exists (docs/benchmarks.md, "Ledger").
    public const string Status = "not built yet";
}
