using StationHub.Platform.Telemetry;

namespace StationHub.Triggers;

/// <summary>Runs a timer function's occurrence the same way on both hosts: in a span of its own, so what it sends (escalations, expiry notices) is traced too.</summary>
public static class TimerFunctionRunner
{
    public static async Task RunAsync(this TimerFunction function, IServiceProvider services, CancellationToken cancellationToken = default)
    {
        using var activity = HubTelemetry.StartTimer(function.Name, function.Schedule);
        using var caller = StorageRequestMetrics.For(function.Name);
        await function.Handler(services, cancellationToken);
    }
}
