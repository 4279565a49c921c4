using StationHub.Platform.Storage;

namespace StationHub.LocalHost.Hosting;

/// <summary>
/// Starts the queue listeners and timer schedulers of the trigger table once storage is ready
/// (queues and tables created), and stops them with the host.
/// </summary>
public sealed class TriggerRuntime(
    LocalTriggerTable table,
    HubStorage storage,
    QueueTriggerSettings queueSettings,
    IServiceProvider services,
    TimeProvider time,
    ILoggerFactory logs,
    IConfiguration configuration) : IHostedService
{
    public const string DisabledSetting = "LocalHost:TriggersDisabled";

    private readonly List<BackgroundService> running = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        if (configuration.GetValue<bool>(DisabledSetting))
        {
            return;
        }

        foreach (var function in table.Queues)
        {
            running.Add(new QueueTriggerListener(function, storage, queueSettings, services, time, logs.CreateLogger<QueueTriggerListener>()));
        }

        foreach (var function in table.Timers)
        {
            running.Add(new TimerTriggerScheduler(function, storage, services, time, logs.CreateLogger<TimerTriggerScheduler>()));
        }

        foreach (var service in running)
        {
            await service.StartAsync(cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(running.Select(service => service.StopAsync(cancellationToken)));
        foreach (var service in running)
        {
            service.Dispose();
        }
    }
}
