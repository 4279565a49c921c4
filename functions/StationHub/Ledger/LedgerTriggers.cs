using StationHub.Platform.Security;
using StationHub.Ledger.Checkpoints;
using StationHub.Triggers;

namespace StationHub.Ledger;

/// <summary>The public ledger's functions: the API, the page, compiling the day so far and sealing past days.</summary>
public static class LedgerTriggers
{
    public static IReadOnlyList<TriggerFunction> All { get; } =
    [
        HttpFunction.Get<LedgerApi>(FunctionNames.LedgerDays, Routes.Ledger, Caller.Public, (api, request, ct) => api.DaysAsync(request, ct)),
        HttpFunction.Get<LedgerApi>(FunctionNames.LedgerDay, Routes.LedgerDay, Caller.Public, (api, request, ct) => api.DayAsync(request, ct)),
        HttpFunction.Get<LedgerApi>(FunctionNames.LedgerProof, Routes.LedgerProof, Caller.Public, (api, request, ct) => api.ProofAsync(request, ct)),
        HttpFunction.Get<LedgerPage>(FunctionNames.LedgerPage, Routes.LedgerPage, Caller.Public, (page, request, ct) => page.HandleAsync(request, ct)),
        HttpFunction.Get<LedgerCheckpointApi>(FunctionNames.LedgerCheckpointKey, Routes.LedgerKey, Caller.Public, (api, request, ct) => api.KeyAsync(request, ct)),
        HttpFunction.Get<LedgerCheckpointApi>(FunctionNames.LedgerCheckpoint, Routes.LedgerCheckpoint, Caller.Public, (api, request, ct) => api.LatestAsync(request, ct)),
        HttpFunction.Get<LedgerCheckpointApi>(FunctionNames.LedgerDayCheckpoint, Routes.LedgerDayCheckpoint, Caller.Public, (api, request, ct) => api.DayAsync(request, ct)),
        HttpFunction.Get<LedgerCheckpointApi>(FunctionNames.LedgerConsistency, Routes.LedgerConsistency, Caller.Public, (api, request, ct) => api.ConsistencyAsync(request, ct)),
        QueueFunction.For<WitnessCosigning>(FunctionNames.CosignLedgerCheckpoint, Queues.LedgerWitness, (cosigning, message, ct) => cosigning.HandleAsync(message, ct)),
        TimerFunction.For<LedgerSealer>(FunctionNames.CompileLedger, Schedules.CompileLedger, (sealer, ct) => sealer.CompileTodayAsync(ct)),
        TimerFunction.For<LedgerSealing>(FunctionNames.SealLedger, Schedules.SealLedger, (sealing, ct) => sealing.RunAsync(ct)),
    ];
}
