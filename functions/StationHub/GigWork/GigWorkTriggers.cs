using StationHub.Platform.Security;
using StationHub.Triggers;

namespace StationHub.GigWork;

/// <summary>The gig-work flow's functions: platform webhooks and status, the public standings, applying events, overdue pay, the year's tally.</summary>
public static class GigWorkTriggers
{
    public static IReadOnlyList<TriggerFunction> All { get; } =
    [
        HttpFunction.Webhook<GigWorkIntake>(FunctionNames.GigWorkReceived, Routes.GigWork),
        HttpFunction.Get<GigWorkStatusQuery>(FunctionNames.GigWorkStatus, Routes.GigWorkStatus, Caller.PlatformKey, (query, request, ct) => query.HandleAsync(request, ct)),
        HttpFunction.Get<GigWorkStandings>(FunctionNames.GigWorkStations, Routes.GigWorkStations, Caller.Public, (standings, request, ct) => standings.HandleAsync(request, ct)),
        QueueFunction.For<GigWorkRouter>(FunctionNames.ApplyGigWorkEvent, Queues.GigWorkEvents, (router, message, ct) => router.HandleAsync(message, ct)),
        TimerFunction.For<PaymentWatch>(FunctionNames.FlagOverdueGigPayments, Schedules.FlagOverdueGigPayments, (watch, ct) => watch.RunAsync(ct)),
        TimerFunction.For<GigWorkYear>(FunctionNames.TallyGigWorkYear, Schedules.TallyGigWorkYear, (year, ct) => year.RunAsync(ct)),
    ];
}
