using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using StationHub.Functions.Platform;
using StationHub.Points;
using StationHub.Triggers;

namespace StationHub.Functions.Points;

/// <summary>The points flow's triggers: platform webhooks, balances, vouchers at stations, expiry.</summary>
public sealed class PointsFunctions(
    PointsIntake intake,
    CourierPointsQuery balances,
    VoucherSettlement settlement,
    PointsRouter router,
    VoucherExpiry expiry)
{
    [Function(FunctionNames.PointsTransactionReceived)]
    public Task<HttpResponseData> PointsTransactionReceived(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.PointsTransactions)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(intake.HandleAsync, cancellationToken);

    [Function(FunctionNames.CourierPoints)]
    public Task<HttpResponseData> CourierPoints(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.CourierPoints)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(balances.HandleAsync, cancellationToken);

    [Function(FunctionNames.VoucherRedemption)]
    public Task<HttpResponseData> VoucherRedemption(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.VoucherRedemption)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(settlement.HandleAsync, cancellationToken);

    [Function(FunctionNames.ApplyPointsTransaction)]
    public Task ApplyPointsTransaction(
        [QueueTrigger(Queues.PointsTransactions)] QueueMessage message,
        CancellationToken cancellationToken) =>
        router.HandleAsync(message.Body, cancellationToken);

    [Function(FunctionNames.ReleaseExpiredVouchers)]
    public Task ReleaseExpiredVouchers(
        [TimerTrigger(Schedules.ReleaseExpiredVouchers)] TimerInfo timer,
        CancellationToken cancellationToken) =>
        expiry.RunAsync(cancellationToken);
}
