using System.Diagnostics;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// The one way a test waits for something the hub does later: a condition polled with a deadline
/// (a ceiling, not a pace; generous, because the suite shares one emulator on a busy machine). To
/// wait until nothing more will happen, use <c>HubScenario.QuietAsync</c> instead. In tests/Shared, so the tests and the benchmark wait the same way.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    // Short: a poll on the wall clock, not a sleep to wait something out.
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    /// <summary>Reads until <paramref name="done"/> holds for what was read, and returns that.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, Func<T, string> describe, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(describe);
        var limit = timeout ?? DefaultTimeout;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var last = await read();
            if (done(last))
            {
                return last;
            }

            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                throw new TimeoutException($"Not within {limit.TotalSeconds:0} s: {describe(last)}");
            }

            await Task.Delay(Poll);
        }
    }

    /// <summary>Polls until the condition holds.</summary>
    public static Task UntilAsync(Func<Task<bool>> done, string what, TimeSpan? timeout = null) =>
        UntilAsync(done, ok => ok, _ => what, timeout);

    /// <summary>Polls until the condition holds.</summary>
    public static Task UntilAsync(Func<bool> done, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(done()), ok => ok, _ => what, timeout);
}
