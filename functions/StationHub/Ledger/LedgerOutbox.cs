namespace StationHub.Ledger;

/// <summary>
/// Facts a flow stored durably with the change they describe (in the same transaction) and writes to
/// the ledger just after. Should the host die in between, the ledger timers drain them before they
/// read a day (<see cref="LedgerSealer"/>), so every fact is written, once (entries are keyed by
/// their source), on the day it happened.
/// </summary>
public interface ILedgerOutbox
{
    /// <summary>Writes every fact still waiting, and forgets it once written.</summary>
    Task DrainAsync(CancellationToken cancellationToken = default);
}
