using StationHub.LocalHost.Hosting;
using StationHub.Points;
using StationHub.Triggers;

namespace StationHub.LocalHost.Points;

/// <summary>The points flow's triggers on the local host: platform webhooks, balances, vouchers at stations, expiry.</summary>
public static class PointsFunctions
{
    /// <summary>HTTP functions.</summary>
    public static void Map(IEndpointRouteBuilder app, LocalTriggerTable table)
    {
        app.MapFunction(table, FunctionNames.PointsTransactionReceived, "POST", Routes.PointsTransactions,
            (services, request, ct) => services.GetRequiredService<PointsIntake>().HandleAsync(request, ct));
        app.MapFunction(table, FunctionNames.CourierPoints, "GET", Routes.CourierPoints,
            (services, request, ct) => services.GetRequiredService<CourierPointsQuery>().HandleAsync(request, ct));
        app.MapFunction(table, FunctionNames.VoucherRedemption, "POST", Routes.VoucherRedemption,
            (services, request, ct) => services.GetRequiredService<VoucherSettlement>().HandleAsync(request, ct));
    }

    /// <summary>Queue and timer functions, registered before the host is built.</summary>
    public static void Register(LocalTriggerTable table)
    {
        table.Queues.Add(new QueueFunction(FunctionNames.ApplyPointsTransaction, Queues.PointsTransactions,
            (services, message, ct) => services.GetRequiredService<PointsRouter>().HandleAsync(message, ct)));

        table.Timers.Add(new TimerFunction(FunctionNames.ReleaseExpiredVouchers, Schedules.ReleaseExpiredVouchers,
            (services, ct) => services.GetRequiredService<VoucherExpiry>().RunAsync(ct)));
    }
}
