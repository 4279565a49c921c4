namespace StationHub.Benchmarks.Measurement;

/// <summary>
/// Samples a process's resident set (VmRSS) every 100 ms while it runs; its peak as the kernel
/// counts it (VmHWM) is read at the end, and catches what falls between two samples.
/// </summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private readonly int pid;
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;
    private long maxRss;
    private long peak;

    public MemorySampler(int pid)
    {
        this.pid = pid;
        sampling = SampleAsync();
    }

    /// <summary>The largest VmRSS sampled so far, in bytes.</summary>
    public long MaxSampledRss => Interlocked.Read(ref maxRss);

    /// <summary>VmHWM (peak resident set) as last read, in bytes.</summary>
    public long Peak
    {
        get
        {
            Sample();
            return Interlocked.Read(ref peak);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sampling;
        stop.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                Sample();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Sample()
    {
        if (ProcessMetrics.Memory(pid) is not { } memory)
        {
            return;
        }

        InterlockedMax(ref maxRss, memory.Rss);
        InterlockedMax(ref peak, memory.Peak);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
