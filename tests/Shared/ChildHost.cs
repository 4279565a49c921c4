using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace StationHub.Testing;

/// <summary>
/// The local host (<c>dotnet StationHub.LocalHost.dll</c>, built next to the caller) as a separate
/// process with its settings as environment variables (<c>A__B</c>): a test can kill it with
/// SIGKILL, the benchmark can read its memory from /proc. It binds port 0 and the address it got is
/// read back from the line ASP.NET Core prints ("Now listening on: http://127.0.0.1:NNNNN"), so no
/// other process can take the port in between; a host started again has a new address. Stopping,
/// killing and disposing are each harmless when repeated or after the process is gone.
/// </summary>
public sealed partial class ChildHost : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly Process process;
    private readonly ChildOutput output;
    private int disposed;

    private ChildHost(Process process, ChildOutput output, Uri address)
    {
        this.process = process;
        this.output = output;
        Port = address.Port;
        BaseAddress = address;
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int ProcessId { get; private init; }

    /// <summary>The Azure Functions host's folder of secrets (its keys, as files); null for the local host. Deleted with the host.</summary>
    private string? secretsPath;

    /// <summary>The Azure Functions host's master key, written for it at start (<c>x-functions-key</c> on its admin API, e.g. run-now); null for the local host.</summary>
    public string? FunctionsMasterKey { get; private set; }

    public bool HasExited => Volatile.Read(ref disposed) != 0 || process.HasExited;

    /// <summary>What the host printed last (for a failure message).</summary>
    public string Tail => output.Tail;

    /// <summary>Starts the host on a port of its own and waits until it answers HTTP (the Open311 service list).</summary>
    public static Task<ChildHost> StartAsync(IDictionary<string, string?> settings)
    {
        var start = Start(Path.Combine(AppContext.BaseDirectory, "StationHub.LocalHost.dll"), settings);
        start.Environment["urls"] = "http://127.0.0.1:0";
        start.Environment["Sandbox__Enabled"] = "false";
        return StartAsync(start);
    }

    /// <summary>
    /// The Azure Functions host (its <c>Microsoft.Azure.WebJobs.Script.WebHost.dll</c> in
    /// <paramref name="hostDirectory"/>, built from its public source outside the repository) serving the
    /// published app in <paramref name="appDirectory"/>, with the settings as app settings (a function is
    /// turned off by its <c>AzureWebJobs.{name}.Disabled</c> among them, as on the local host).
    /// </summary>
    public static async Task<ChildHost> StartFunctionsHostAsync(string hostDirectory, string appDirectory, IDictionary<string, string?> settings)
    {
        var start = Start(Path.Combine(hostDirectory, "Microsoft.Azure.WebJobs.Script.WebHost.dll"), settings);
        start.WorkingDirectory = hostDirectory;
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["AzureWebJobsScriptRoot"] = appDirectory;
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_EXTENSION_VERSION"] = "~4";
        start.Environment["AzureWebJobsSecretStorageType"] = "files";
        // Its keys as files, the master key written here first (otherwise the host makes its keys only when first asked).
        var secrets = Directory.CreateTempSubdirectory("functions-secrets-").FullName;
        var masterKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await File.WriteAllTextAsync(Path.Combine(secrets, "host.json"), $$"""{"masterKey":{"name":"master","value":"{{masterKey}}","encrypted":false},"functionKeys":[],"systemKeys":[]}""");
        start.Environment["FUNCTIONS_SECRETS_PATH"] = secrets;
        start.Environment["AzureFunctionsWebHost__hostid"] = "stationhub-" + Guid.NewGuid().ToString("N")[..12];

        // Set, it makes the host act as in a Linux Consumption container (logs every invocation to stdout, calls a mesh endpoint).
        start.Environment.Remove("CONTAINER_NAME");
        var host = await StartAsync(start);
        (host.secretsPath, host.FunctionsMasterKey) = (secrets, masterKey);
        return host;
    }

    private static ProcessStartInfo Start(string dll, IDictionary<string, string?> settings)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        // The line that reports the bound address comes from this category; keep it on whatever the settings say.
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        return start;
    }

    private static async Task<ChildHost> StartAsync(ProcessStartInfo start)
    {
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var output = new ChildOutput(process, line =>
        {
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
            }
        });
        process.Start();
        output.Begin();
        try
        {
            var started = Stopwatch.GetTimestamp();
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(listening.Task, exited, Task.Delay(StartTimeout));
            if (first != listening.Task)
            {
                throw first == exited
                    ? new InvalidOperationException($"The host exited at start with code {process.ExitCode}; it printed:\n{output.Tail}")
                    : new TimeoutException($"The host did not report its address within {StartTimeout.TotalSeconds:0} s; it printed:\n{output.Tail}");
            }

            var host = new ChildHost(process, output, await listening.Task) { ProcessId = process.Id };
            await host.WaitUntilAnsweringAsync(StartTimeout - Stopwatch.GetElapsedTime(started));
            return host;
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Its function runs, begun and in flight (<c>GET /admin/test/activity</c>; the host must run
    /// with <c>LocalHost:TestHooks</c> on). A host that has gone away counts as idle.
    /// </summary>
    public async Task<(long Started, long Running)> ActivityAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("admin/test/activity"));
            return (document.RootElement.GetProperty("started").GetInt64(), document.RootElement.GetProperty("running").GetInt64());
        }
        catch (HttpRequestException) when (HasExited)
        {
            return (0, 0);
        }
    }

    /// <summary>
    /// The storage requests the host has sent since it started, polls that found nothing apart
    /// (<c>GET /admin/test/activity</c>; test hooks on). Null when the host does not answer.
    /// </summary>
    public async Task<(long Requests, long Polls)?> StorageRequestsAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("admin/test/activity"));
            return (document.RootElement.GetProperty("storageRequests").GetInt64(), document.RootElement.GetProperty("storagePolls").GetInt64());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Moves the host's clock forward (<c>POST /admin/test/clock</c>; test hooks on).</summary>
    public async Task AdvanceClockAsync(TimeSpan by)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var content = new StringContent("{\"advance\":\"" + by.ToString("c", CultureInfo.InvariantCulture) + "\"}", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("admin/test/clock", content);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>SIGKILL: no shutdown, no cleanup, as a crash.</summary>
    public void Kill()
    {
        if (HasExited)
        {
            return;
        }

        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>SIGTERM: the host's graceful shutdown; SIGKILL if it has not exited within the timeout.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (HasExited)
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
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        if (secretsPath is not null)
        {
            Directory.Delete(secretsPath, recursive: true);
        }
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan timeout)
    {
        // The address is bound before the hub has prepared storage; it answers once it has.
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The host exited at start with code {process.ExitCode}; it printed:\n{output.Tail}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, "api/v1/open311/services.json"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
            }

            // A real process starting: the one wait on the wall clock the suite allows.
            await Task.Delay(100);
        }

        throw new TimeoutException($"The host at {BaseAddress} did not answer within {timeout.TotalSeconds:0} s; it printed:\n{output.Tail}");
    }

    [GeneratedRegex(@"Now listening on: (https?://\S+)")]
    private static partial Regex ListeningLine();
}
