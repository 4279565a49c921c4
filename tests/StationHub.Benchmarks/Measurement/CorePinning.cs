using System.Diagnostics;
using System.Globalization;

namespace StationHub.Benchmarks.Measurement;

/// <summary>
/// Gives the emulator a core of its own and the hub, its host and the benchmark's clients the others
/// (<c>taskset</c>, every thread of each process). Azure Storage is a service elsewhere: it does not
/// share the hub's CPU. On a small machine the emulator did, and its one thread then answered the same
/// requests more slowly the busier the hub kept the other core, so the hub was measured against a
/// storage service it was itself slowing (docs/benchmarks.md). Pinned, the hub's run and the limit's
/// run meet the same storage: one core, whatever the clients spend on the rest.
/// </summary>
public sealed class CorePinning
{
    private const string Taskset = "taskset";

    private CorePinning(string emulatorCores, string otherCores)
    {
        EmulatorCores = emulatorCores;
        OtherCores = otherCores;
    }

    public string EmulatorCores { get; }

    public string OtherCores { get; }

    /// <summary>A plan for this machine, or null (with the reason in <paramref name="why"/>) when it cannot or should not pin.</summary>
    public static CorePinning? For(bool wanted, out string why)
    {
        var cores = Environment.ProcessorCount;
        var refusal = (wanted, cores, OperatingSystem.IsLinux()) switch
        {
            (false, _, _) => "not pinned (--pin no): the emulator shares every core with the hub",
            (_, < 2, _) => "not pinned: one core",
            (_, _, false) => "not pinned: taskset is Linux's",
            _ => null,
        };
        if (refusal is not null)
        {
            why = refusal;
            return null;
        }

        var pinning = new CorePinning("0", cores == 2 ? "1" : $"1-{cores - 1}");
        why = $"the emulator pinned to core {pinning.EmulatorCores}; the host and the benchmark's clients to core{(cores == 2 ? string.Empty : "s")} {pinning.OtherCores}";
        return pinning;
    }

    /// <summary>Pins the emulator to its core, and the host (when there is one) and this process to the others.</summary>
    public async Task ApplyAsync(int emulatorPid, int hostPid)
    {
        await PinAsync(emulatorPid, EmulatorCores);
        if (hostPid != CpuMeter.NoHost)
        {
            await PinAsync(hostPid, OtherCores);
        }

        await PinAsync(Environment.ProcessId, OtherCores);
    }

    /// <summary>Gives this process every core again (the parts after the intake measure other things).</summary>
    public Task ReleaseAsync() => PinAsync(Environment.ProcessId, $"0-{Environment.ProcessorCount - 1}");

    private static async Task PinAsync(int pid, string cores)
    {
        var start = new ProcessStartInfo(Taskset) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--all-tasks", "--cpu-list", "--pid", cores, pid.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{Taskset} did not start.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"{Taskset} (util-linux) could not be run ({exception.Message}): install it, or pass --pin no.", exception);
        }

        using var started = process;
        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Taskset} --cpu-list {cores} --pid {pid} failed ({process.ExitCode}): {error.Trim()}");
        }
    }
}
