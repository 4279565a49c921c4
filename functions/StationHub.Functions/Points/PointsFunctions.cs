using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using StationHub.Functions.Platform;
using StationHub.Triggers;

namespace StationHub.Functions.Points;

/// <summary>The points flow: platform webhooks, balances, vouchers at stations, expiry. Each method hands its trigger to the row of the same name.</summary>
public sealed class PointsFunctions(FunctionRows rows)
{
    [Function(FunctionNames.PointsTransactionReceived)]
    public Task<IActionResult> PointsTransactionReceived(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.PointsTransactions)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.PointsTransactionReceived, request);

    [Function(FunctionNames.CourierPoints)]
    public Task<IActionResult> CourierPoints(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.CourierPoints)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.CourierPoints, request);

    [Function(FunctionNames.VoucherRedemption)]
    public Task<IActionResult> VoucherRedemption(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.VoucherRedemption)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.VoucherRedemption, request);

    [Function(FunctionNames.ApplyPointsTransaction)]
    public Task ApplyPointsTransaction(
        [QueueTrigger(Queues.PointsTransactions, Connection = Connections.Storage)] QueueMessage message,
        CancellationToken cancellationToken) =>
        rows.QueueAsync(FunctionNames.ApplyPointsTransaction, message, cancellationToken);

    [Function(FunctionNames.ReleaseExpiredVouchers)]
    public Task ReleaseExpiredVouchers(
        [TimerTrigger(Schedules.ReleaseExpiredVouchers)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        rows.TimerAsync(FunctionNames.ReleaseExpiredVouchers, cancellationToken);
}
