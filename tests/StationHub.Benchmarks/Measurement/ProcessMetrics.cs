using System.Globalization;

namespace StationHub.Benchmarks.Measurement;

/// <summary>CPU time and memory of a process, from Linux's /proc.</summary>
public static class ProcessMetrics
{
    // USER_HZ: the unit of utime and stime in /proc/<pid>/stat; 100 on every Linux the SDK runs on.
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU time so far, or null when the process is gone.</summary>
    public static TimeSpan? CpuTime(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>
    /// User plus system CPU time so far of a process and every process below it (the Functions host and
    /// its language worker, say), or null when the process is gone. A child that has exited is no longer counted.
    /// </summary>
    public static TimeSpan? TreeCpuTime(int pid)
    {
        if (CpuTime(pid) is not { } own)
        {
            return null;
        }

        var total = own;
        foreach (var child in ChildrenOf(pid))
        {
            total += TreeCpuTime(child) ?? TimeSpan.Zero;
        }

        return total;
    }

    /// <summary>The processes whose parent is <paramref name="pid"/> (field 4 of /proc/&lt;pid&gt;/stat).</summary>
    private static IEnumerable<int> ChildrenOf(int pid)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[1], CultureInfo.InvariantCulture) == pid)
            {
                yield return candidate;
            }
        }
    }

    /// <summary>Resident set size now (VmRSS) and its peak so far (VmHWM), in bytes; null when the process is gone.</summary>
    public static (long Rss, long Peak)? Memory(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/status");
        }
        catch (IOException)
        {
            return null;
        }

        return (Kilobytes(lines, "VmRSS:") * 1024, Kilobytes(lines, "VmHWM:") * 1024);
    }

    /// <summary>CPU time all processes of the machine have used so far (busy time of every core, from /proc/stat).</summary>
    public static TimeSpan MachineCpuTime()
    {
        // cpu  user nice system idle iowait irq softirq steal ...: busy is everything but idle and iowait.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(field => long.Parse(field, CultureInfo.InvariantCulture)).ToArray();
        var busy = fields.Take(8).Sum() - fields[3] - fields[4];
        return TimeSpan.FromSeconds(busy / TicksPerSecond);
    }

    /// <summary>MemTotal of /proc/meminfo, in bytes.</summary>
    public static long TotalMemory() => Kilobytes(File.ReadAllLines("/proc/meminfo"), "MemTotal:") * 1024;

    private static long Kilobytes(string[] lines, string key)
    {
        var line = lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
