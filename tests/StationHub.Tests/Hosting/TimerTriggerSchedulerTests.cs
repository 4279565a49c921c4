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
        var clock = new CountingClock(new DateTimeOffset(2026, 11, 22, 10, 0, 30, TimeSpan.Zero));
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
        await clock.WaitForTimersAsync(2);

        // Each minute both hosts wake, one runs the occurrence, and both wait for the next one: only
        // then is the count final (no pause: a host that had not yet tried would be waited for).
        for (var minute = 0; minute < 3; minute++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await clock.WaitForTimersAsync(2 * (minute + 2));
            Assert.Equal(minute + 1, Volatile.Read(ref runs));
        }

        await first.StopAsync(CancellationToken.None);
        await second.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_occurrence_missed_while_no_host_ran_runs_once_at_start()
    {
        var clock = new CountingClock(new DateTimeOffset(2026, 11, 22, 10, 0, 30, TimeSpan.Zero));
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
            await clock.WaitForTimersAsync(1);
            await first.StopAsync(CancellationToken.None);
        }

        Assert.Equal(0, pastDue);
        clock.Advance(TimeSpan.FromHours(3));
        using var restarted = Scheduler(function, clock);
        using var another = Scheduler(function, clock);
        await restarted.StartAsync(CancellationToken.None);
        await another.StartAsync(CancellationToken.None);

        // Both have caught up (one ran the missed occurrence) once both wait for the next hour.
        await clock.WaitForTimersAsync(3);
        Assert.Equal(1, Volatile.Read(ref pastDue));
        await restarted.StopAsync(CancellationToken.None);
        await another.StopAsync(CancellationToken.None);
    }

    private TimerTriggerScheduler Scheduler(TimerFunction function, TimeProvider clock) =>
        new(function, storage.Hub, new NullServiceProvider(), clock, NullLogger<TimerTriggerScheduler>.Instance, new HubActivity());

    /// <summary>
    /// A fake clock that counts the timers made on it: a scheduler makes one each time it waits for
    /// its next occurrence, so the count says when every host has done all it will do until the
    /// clock moves again.
    /// </summary>
    private sealed class CountingClock(DateTimeOffset start) : TimeProvider
    {
        private readonly FakeTimeProvider fake = new(start);
        private int timers;

        public void Advance(TimeSpan by) => fake.Advance(by);

        public Task WaitForTimersAsync(int count) =>
            Eventually.UntilAsync(() => Volatile.Read(ref timers) >= count, $"{count} waits for the next occurrence");

        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

        public override long GetTimestamp() => fake.GetTimestamp();

        public override long TimestampFrequency => fake.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => fake.LocalTimeZone;

        // Counted once the fake clock holds the timer: counted before, a test that saw the count could advance the
        // clock in between, and the timer then waited for a minute that never came (a failure under load).
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = fake.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref timers);
            return timer;
        }
    }

    private sealed class NullServiceProvider : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
