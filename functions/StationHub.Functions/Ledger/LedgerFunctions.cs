using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using StationHub.Functions.Platform;
using StationHub.Triggers;

namespace StationHub.Functions.Ledger;

/// <summary>The public ledger: the API, the page, compiling the day so far and sealing past days. Each method hands its trigger to the row of the same name.</summary>
public sealed class LedgerFunctions(FunctionRows rows)
{
    [Function(FunctionNames.LedgerDays)]
    public Task<IActionResult> LedgerDays(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.Ledger)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.LedgerDays, request);

    [Function(FunctionNames.LedgerDay)]
    public Task<IActionResult> LedgerDay(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.LedgerDay)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.LedgerDay, request);

    [Function(FunctionNames.LedgerProof)]
    public Task<IActionResult> LedgerProof(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.LedgerProof)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.LedgerProof, request);

    [Function(FunctionNames.LedgerPage)]
    public Task<IActionResult> LedgerPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.LedgerPage)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.LedgerPage, request);

    [Function(FunctionNames.LedgerCheckpointKey)]
    public Task<IActionResult> LedgerCheckpointKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.LedgerKey)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.LedgerCheckpointKey, request);

    [Function(FunctionNames.LedgerCheckpoint)]
    public Task<IActionResult> LedgerCheckpoint(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.LedgerCheckpoint)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.LedgerCheckpoint, request);

    [Function(FunctionNames.LedgerDayCheckpoint)]
    public Task<IActionResult> LedgerDayCheckpoint(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.LedgerDayCheckpoint)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.LedgerDayCheckpoint, request);

    [Function(FunctionNames.LedgerConsistency)]
    public Task<IActionResult> LedgerConsistency(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.LedgerConsistency)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.LedgerConsistency, request);

    [Function(FunctionNames.CosignLedgerCheckpoint)]
    public Task CosignLedgerCheckpoint(
        [QueueTrigger(Queues.LedgerWitness, Connection = Connections.Storage)] QueueMessage message,
        CancellationToken cancellationToken) =>
        rows.QueueAsync(FunctionNames.CosignLedgerCheckpoint, message, cancellationToken);

    [Function(FunctionNames.CompileLedger)]
    public Task CompileLedger(
        [TimerTrigger(Schedules.CompileLedger)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        rows.TimerAsync(FunctionNames.CompileLedger, cancellationToken);

    [Function(FunctionNames.SealLedger)]
    public Task SealLedger(
        [TimerTrigger(Schedules.SealLedger)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        rows.TimerAsync(FunctionNames.SealLedger, cancellationToken);
}
