using System.Globalization;

namespace StationHub.Benchmarks.Measurement;

/// <summary>
/// On a shared machine, waits (a bounded time) until other processes leave the CPU alone before
/// a phase is measured. Whatever they still use during the phase shows as "other" CPU.
/// </summary>
public static class QuietMachine
{
    /// <summary>CPU of other processes, in % of one core, above which the machine counts as busy.</summary>
    public const double OtherCpuLimit = 25;

    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);

    public static async Task WaitAsync(int azuritePid, int hostPid, TextWriter progress)
    {
        var waited = TimeSpan.Zero;
        while (true)
        {
            var meter = CpuMeter.Start(azuritePid, hostPid);
            await Task.Delay(TimeSpan.FromSeconds(1));
            var other = meter.Stop().Other;
            if (other <= OtherCpuLimit)
            {
                return;
            }

            waited += TimeSpan.FromSeconds(1);
            if (waited >= MaxWait)
            {
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  the machine is still busy (other processes {other:0} % of a core) after {waited.TotalSeconds:0} s; measuring anyway"));
                return;
            }
        }
    }
}
