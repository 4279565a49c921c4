using System.Diagnostics;
using System.Globalization;

namespace StationHub.Testing;

/// <summary>
/// The local host (<c>dotnet StationHub.LocalHost.dll</c>, built next to the caller) as a separate
/// process with its settings as environment variables (<c>A__B</c>): a test can kill it with
/// SIGKILL, the benchmark can read its memory from /proc.
/// </summary>
public sealed class ChildHost : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process process;

    private ChildHost(Process process, int port)
    {
        this.process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int ProcessId => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>Starts the host and waits until it answers HTTP (the Open311 service list).</summary>
    public static async Task<ChildHost> StartAsync(IDictionary<string, string?> settings, int? port = null)
    {
        var chosen = port ?? Loopback.FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StationHub.LocalHost.dll"));
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["urls"] = $"http://127.0.0.1:{chosen}";
        start.Environment["Sandbox__Enabled"] = "false";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new ChildHost(process, chosen);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The host exited at start with code {process.ExitCode}.");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(host.BaseAddress, "api/v1/open311/services.json"));
                if (response.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"The host did not start within {StartTimeout.TotalSeconds:0} s.");
    }

    /// <summary>SIGKILL: no shutdown, no cleanup, as a crash.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>SIGTERM: the host's graceful shutdown; SIGKILL if it has not exited within the timeout.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
