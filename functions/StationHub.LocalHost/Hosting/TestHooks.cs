using System.Globalization;
using System.Text.Json;
using System.Diagnostics.Metrics;
using StationHub.Platform.Json;
using StationHub.Platform.Telemetry;

namespace StationHub.LocalHost.Hosting;

/// <summary>
/// TEST ONLY. What a test of the local host as a separate process needs to see and steer: the
/// hub's clock, moved forward by an offset (<see cref="ShiftedClock"/>), and whether the host is
/// busy (<see cref="HubActivity"/>). Off unless <c>LocalHost:TestHooks</c> is <c>true</c>; the
/// sample settings leave it out, the Functions app has no such thing, and with it off neither
/// route exists (a 404 like any unknown path) and the clock is the system's.
/// <list type="bullet">
/// <item><c>GET /admin/test/activity</c>: <c>{"started": n, "running": n, "storageRequests": n, "storagePolls": n}</c>,
/// the function runs (queue, timer, run-now) begun so far and those not yet finished, and the storage
/// requests the host has sent so far (<c>stationhub.storage.requests</c>; polls that found nothing apart),
/// so a benchmark driving the host as a separate process can count requests per item.</item>
/// <item><c>POST /admin/test/clock</c> <c>{"advance": "1.00:00:00"}</c>: moves the hub's clock forward;
/// answers <c>{"now": "..."}</c>.</item>
/// </list>
/// </summary>
public static class TestHooks
{
    /// <summary>TEST ONLY: maps the routes above and lets the clock be moved. Never set in production.</summary>
    public const string EnabledSetting = "LocalHost:TestHooks";

    /// <summary>TEST ONLY: how far ahead of the system clock the hub's clock starts (a TimeSpan); needs <see cref="EnabledSetting"/>.</summary>
    public const string ClockOffsetSetting = "LocalHost:TestClockOffset";

    internal static void Map(WebApplication app)
    {
        var storage = new StorageRequestTally(app.Services.GetRequiredService<StorageRequestMetrics>());
        app.Lifetime.ApplicationStopped.Register(storage.Dispose);
        app.MapGet("/admin/test/activity", (HubActivity activity) =>
            Results.Json(new Dictionary<string, long>
            {
                ["started"] = activity.Started,
                ["running"] = activity.Running,
                ["storageRequests"] = storage.Requests,
                ["storagePolls"] = storage.Polls,
            }));
        app.MapPost("/admin/test/clock", async (HttpContext context, ShiftedClock clock) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            if (!body.RootElement.TryGetProperty("advance", out var advance)
                || !TimeSpan.TryParse(advance.GetString(), CultureInfo.InvariantCulture, out var by)
                || by < TimeSpan.Zero)
            {
                return Results.BadRequest();
            }

            clock.Advance(by);
            return Results.Json(new Dictionary<string, string> { ["now"] = IsoTimestamp.Format(clock.GetUtcNow()) });
        });
    }
}

/// <summary>
/// The system clock moved forward by an offset that a test sets (TEST ONLY: the hub runs on it only
/// in tests). Timers and timestamps stay the system's, so polling, leases and request deadlines
/// run at their real pace while "now" (staleness, expiry, escalation, sealing) is where the test
/// put it. It never goes backwards.
/// </summary>
public sealed class ShiftedClock(TimeSpan offset = default) : TimeProvider
{
    private long offsetTicks = offset.Ticks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref offsetTicks, by.Ticks);
    }

    /// <summary>Moves the clock forward to <paramref name="to"/> (a moment already passed leaves it where it is).</summary>
    public void AdvanceTo(DateTimeOffset to)
    {
        var by = to - GetUtcNow();
        if (by > TimeSpan.Zero)
        {
            Advance(by);
        }
    }

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    public override long TimestampFrequency => System.TimestampFrequency;

    public override long GetTimestamp() => System.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime, period);
}

/// <summary>
/// Counts the host's function runs (queue messages from their receive, timers, run-now), so that a
/// test can tell when the hub is quiet: nothing running, and nothing begun since it last looked.
/// Two interlocked counters; always on, read only through tests.
/// </summary>
public sealed class HubActivity
{
    private long started;
    private long finished;

    /// <summary>Runs begun so far.</summary>
    public long Started => Interlocked.Read(ref started);

    /// <summary>Runs begun and not yet finished.</summary>
    public long Running
    {
        get
        {
            // Finished first: a run that ends between the two reads is counted as still running, never the reverse.
            var done = Interlocked.Read(ref finished);
            return Interlocked.Read(ref started) - done;
        }
    }

    /// <summary>Marks a run as begun; disposing the answer marks it finished.</summary>
    public Run Begin()
    {
        Interlocked.Increment(ref started);
        return new Run(this);
    }

    /// <summary>One run; disposing it more than once counts once.</summary>
    public sealed class Run(HubActivity activity) : IDisposable
    {
        private int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                Interlocked.Increment(ref activity.finished);
            }
        }
    }
}

/// <summary>
/// TEST ONLY: the host's own <c>stationhub.storage.requests</c> summed (a listener on this host's
/// meter alone), for <c>GET /admin/test/activity</c>.
/// </summary>
internal sealed class StorageRequestTally : IDisposable
{
    private readonly MeterListener listener = new();
    private long requests;
    private long polls;

    public StorageRequestTally(StorageRequestMetrics metrics)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == metrics.Meter && instrument.Name == StorageRequestMetrics.RequestsName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == StorageRequestMetrics.OperationTag && (string?)tag.Value == StorageRequestMetrics.PollOperation)
                {
                    Interlocked.Add(ref polls, value);
                    return;
                }
            }

            Interlocked.Add(ref requests, value);
        });
        listener.Start();
    }

    /// <summary>Requests sent so far, polls that found nothing left out.</summary>
    public long Requests => Interlocked.Read(ref requests);

    /// <summary>Polls that found nothing, so far.</summary>
    public long Polls => Interlocked.Read(ref polls);

    public void Dispose() => listener.Dispose();
}
