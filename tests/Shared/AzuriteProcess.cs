using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace StationHub.Testing;

/// <summary>
/// The pinned Azurite (infra/local) as a child process on loopback: in memory, or on disk in a
/// folder. It binds port 0 for each service and the ports it got are read back from the lines it
/// prints ("Azurite Queue service is successfully listening at http://127.0.0.1:NNNNN"), so no
/// other process can take a port between its choice and its use. Stopped with SIGTERM so it saves
/// and exits (AZURITE.md, trap 3). Disposing twice is harmless.
/// </summary>
public sealed partial class AzuriteProcess : IAsyncDisposable
{
    // Azurite's well-known development account (public, documented by Microsoft).
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ChildOutput output;
    private readonly Process process;
    private int disposed;

    private AzuriteProcess(Process process, ChildOutput output, int blobPort, int queuePort, int tablePort)
    {
        this.process = process;
        this.output = output;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        ConnectionString = ConnectionStringFor(blobPort, queuePort, tablePort);
    }

    public string ConnectionString { get; }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>The emulator's process id (node runs the script itself), for reading its CPU and memory.</summary>
    public int ProcessId => process.Id;

    /// <summary>The connection string of the development account on these loopback ports.</summary>
    public static string ConnectionStringFor(int blobPort, int queuePort, int tablePort) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";

    /// <param name="dataFolder">Null: in memory (<c>--inMemoryPersistence</c>); otherwise the folder it keeps its data in.</param>
    /// <param name="ports">
    /// Null (the default): port 0 for each service, the ports it got read back. Otherwise these (blob,
    /// queue, table), say those of an emulator just stopped: only for a program that runs alone (the
    /// benchmark), because a port released by one process can be taken by another before it is
    /// bound again. Tests that restart storage put a <see cref="TcpGate"/> in front instead.
    /// </param>
    public static async Task<AzuriteProcess> StartAsync(string? dataFolder = null, (int Blob, int Queue, int Table)? ports = null)
    {
        if (!File.Exists(RepoPaths.AzuriteBin))
        {
            throw new InvalidOperationException($"Azurite is not installed at {RepoPaths.AzuriteBin}: run 'npm ci' in infra/local (tests/run-all.sh does).");
        }

        var (blob, queue, table) = ports ?? (0, 0, 0);
        var start = new ProcessStartInfo(RepoPaths.AzuriteBin)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataFolder ?? Path.GetTempPath(),
        };
        foreach (var arg in new[]
        {
            "--blobPort", blob.ToString(CultureInfo.InvariantCulture),
            "--queuePort", queue.ToString(CultureInfo.InvariantCulture),
            "--tablePort", table.ToString(CultureInfo.InvariantCulture),
            "--skipApiVersionCheck", "--disableTelemetry", "--silent", "--loose",
        })
        {
            start.ArgumentList.Add(arg);
        }

        if (dataFolder is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            start.ArgumentList.Add("-l");
            start.ArgumentList.Add(dataFolder);
        }

        var listening = new ListeningPorts();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var output = new ChildOutput(process, listening.Read);
        process.Start();
        output.Begin();
        try
        {
            var (blobPort, queuePort, tablePort) = await listening.WaitAsync(process, output, StartTimeout);
            return new AzuriteProcess(process, output, blobPort, queuePort, tablePort);
        }
        catch
        {
            await StopAsync(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Stops the emulator cleanly (SIGTERM: it saves and exits); kills it if it has not exited in 10 s. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await StopAsync(process);
        process.Dispose();
    }

    /// <summary>What it printed last (for a failure message).</summary>
    public string Tail => output.Tail;

    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [GeneratedRegex(@"Azurite (Blob|Queue|Table) service is successfully listening at https?://[^:\s]+:(\d+)")]
    private static partial Regex ListeningLine();

    /// <summary>The three ports as Azurite reports them, one line per service.</summary>
    private sealed class ListeningPorts
    {
        private readonly TaskCompletionSource<(int, int, int)> all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock gate = new();
        private int blob;
        private int queue;
        private int table;

        public void Read(string line)
        {
            if (ListeningLine().Match(line) is not { Success: true } match)
            {
                return;
            }

            var port = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            lock (gate)
            {
                switch (match.Groups[1].Value)
                {
                    case "Blob": blob = port; break;
                    case "Queue": queue = port; break;
                    default: table = port; break;
                }

                if (blob > 0 && queue > 0 && table > 0)
                {
                    all.TrySetResult((blob, queue, table));
                }
            }
        }

        public async Task<(int Blob, int Queue, int Table)> WaitAsync(Process process, ChildOutput output, TimeSpan timeout)
        {
            var exited = process.WaitForExitAsync();
            var done = await Task.WhenAny(all.Task, exited, Task.Delay(timeout));
            if (done == all.Task)
            {
                return await all.Task;
            }

            if (done == exited)
            {
                throw new InvalidOperationException($"Azurite exited at start with code {process.ExitCode}; it printed:\n{output.Tail}");
            }

            throw new TimeoutException($"Azurite did not report its ports within {timeout.TotalSeconds:0} s; it printed:\n{output.Tail}");
        }
    }
}
