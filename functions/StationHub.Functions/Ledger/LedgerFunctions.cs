using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using StationHub.Functions.Platform;
using StationHub.Ledger;
using StationHub.Triggers;

namespace StationHub.Functions.Ledger;

/// <summary>The public ledger's triggers: the API, the page, compiling the day so far and sealing past days.</summary>
public sealed class LedgerFunctions(LedgerApi api, LedgerPage page, LedgerSealer sealer)
{
    [Function(FunctionNames.LedgerDays)]
    public Task<HttpResponseData> LedgerDays(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Ledger)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(api.DaysAsync, cancellationToken);

    [Function(FunctionNames.LedgerDay)]
    public Task<HttpResponseData> LedgerDay(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.LedgerDay)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(api.DayAsync, cancellationToken);

    [Function(FunctionNames.LedgerProof)]
    public Task<HttpResponseData> LedgerProof(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.LedgerProof)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(api.ProofAsync, cancellationToken);

    [Function(FunctionNames.LedgerPage)]
    public Task<HttpResponseData> LedgerPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.LedgerPage)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(page.HandleAsync, cancellationToken);

    [Function(FunctionNames.CompileLedger)]
    public Task CompileLedger(
        [TimerTrigger(Schedules.CompileLedger)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        sealer.CompileTodayAsync(cancellationToken);

    [Function(FunctionNames.SealLedger)]
    public Task SealLedger(
        [TimerTrigger(Schedules.SealLedger)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        sealer.SealAsync(cancellationToken);
}
