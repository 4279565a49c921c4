using StationHub.Platform.Security;
using StationHub.Triggers;

namespace StationHub.Points;

/// <summary>The points flow's functions: platform webhooks, balances, vouchers at stations, expiry.</summary>
public static class PointsTriggers
{
    public static IReadOnlyList<TriggerFunction> All { get; } =
    [
        HttpFunction.Webhook<PointsIntake>(FunctionNames.PointsTransactionReceived, Routes.PointsTransactions),
        HttpFunction.Get<CourierPointsQuery>(FunctionNames.CourierPoints, Routes.CourierPoints, Caller.PlatformKey, (query, request, ct) => query.HandleAsync(request, ct)),
        HttpFunction.Post<VoucherSettlement>(FunctionNames.VoucherRedemption, Routes.VoucherRedemption, Caller.StationKey, (settlement, request, ct) => settlement.HandleAsync(request, ct)),
        QueueFunction.For<PointsRouter>(FunctionNames.ApplyPointsTransaction, Queues.PointsTransactions, (router, message, ct) => router.HandleAsync(message, ct)),
        TimerFunction.For<VoucherExpiry>(FunctionNames.ReleaseExpiredVouchers, Schedules.ReleaseExpiredVouchers, (expiry, ct) => expiry.RunAsync(ct)),
    ];
}
