namespace StationHub.Ledger.Checkpoints;

/// <summary>
/// The hourly sealing run: <see cref="LedgerSealer.SealAsync"/> seals the complete days, then
/// <see cref="LedgerCheckpoints.CatchUpAsync"/> appends every sealed day still missing from the
/// tree (this run's, or a day an earlier run sealed but did not get to) and signs its checkpoint.
/// </summary>
public sealed class LedgerSealing(LedgerSealer sealer, LedgerCheckpoints checkpoints)
{
    /// <summary>The number of days sealed by this run.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var sealedDays = await sealer.SealAsync(cancellationToken);
        await checkpoints.CatchUpAsync(cancellationToken);
        return sealedDays;
    }
}
