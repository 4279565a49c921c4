namespace StationHub.LocalHost.Hosting;

/// <summary>A queue-triggered function: its name, queue and handler.</summary>
public sealed record QueueFunction(string Name, string Queue, Func<IServiceProvider, BinaryData, CancellationToken, Task> Invoke);

/// <summary>A timer-triggered function: its name, six-field NCRONTAB schedule and handler.</summary>
public sealed record TimerFunction(string Name, string Schedule, Func<IServiceProvider, CancellationToken, Task> Invoke);

/// <summary>An HTTP-triggered function: its name, method and route (relative to /api).</summary>
public sealed record HttpFunction(string Name, string Method, string Route);

/// <summary>
/// Everything the local host serves, as registered by each flow's functions file; the drift
/// test compares it with the Functions app's attributes.
/// </summary>
public sealed class LocalTriggerTable
{
    public List<HttpFunction> Http { get; } = [];

    public List<QueueFunction> Queues { get; } = [];

    public List<TimerFunction> Timers { get; } = [];
}
