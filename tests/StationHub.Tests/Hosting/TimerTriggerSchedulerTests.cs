using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StationHub.LocalHost.Hosting;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Hosting;

/// <summary>NCRONTAB timers on a fake clock, with occurrences claimed in real table storage.</summary>
public sealed class TimerTriggerSchedulerTests : IAsyncLifetime
{
    private TestStorage storage = null!;

    public async Task InitializeAsync() => storage = await TestStorage.CreateAsync();

    public async Task DisposeAsync() => await storage.DisposeAsync();

    [Fact]
    public async Task Two_hosts_run_each_occurrence_once()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 10, 0, 30, TimeSpan.Zero));
        var runs = 0;
        var function = new TimerFunction("EveryMinute", "0 * * * * *", (_, _) =>
        {
            Interlocked.Increment(ref runs);
            return Task.CompletedTask;
        });
        using var first = Scheduler(function, clock);
        using var second = Scheduler(function, clock);
        await first.StartAsync(CancellationToken.None);
        await second.StartAsync(CancellationToken.None);
        await Task.Delay(500);

        for (var minute = 0; minute < 3; minute++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await WaitForAsync(() => Volatile.Read(ref runs) == minute + 1);
        }

        await Task.Delay(300);
        Assert.Equal(3, Volatile.Read(ref runs));
        await first.StopAsync(CancellationToken.None);
        await second.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_occurrence_missed_while_no_host_ran_runs_once_at_start()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 10, 0, 30, TimeSpan.Zero));
        var pastDue = 0;
        var function = new TimerFunction("Hourly", "0 0 * * * *", (_, _) =>
        {
            Interlocked.Increment(ref pastDue);
            return Task.CompletedTask;
        });
        using (var first = Scheduler(function, clock))
        {
            // The first start records where the schedule stands and runs nothing.
            await first.StartAsync(CancellationToken.None);
            await Task.Delay(500);
            await first.StopAsync(CancellationToken.None);
        }

        Assert.Equal(0, pastDue);
        clock.Advance(TimeSpan.FromHours(3));
        using var restarted = Scheduler(function, clock);
        using var another = Scheduler(function, clock);
        await restarted.StartAsync(CancellationToken.None);
        await another.StartAsync(CancellationToken.None);
        await WaitForAsync(() => Volatile.Read(ref pastDue) >= 1);
        await Task.Delay(300);

        Assert.Equal(1, Volatile.Read(ref pastDue));
        await restarted.StopAsync(CancellationToken.None);
        await another.StopAsync(CancellationToken.None);
    }

    private TimerTriggerScheduler Scheduler(TimerFunction function, TimeProvider clock) =>
        new(function, storage.Hub, new NullServiceProvider(), clock, NullLogger<TimerTriggerScheduler>.Instance, new HubActivity());

    private static async Task WaitForAsync(Func<bool> done)
    {
        for (var i = 0; i < 200 && !done(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(done(), "the timer did not run in time");
    }

    private sealed class NullServiceProvider : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
