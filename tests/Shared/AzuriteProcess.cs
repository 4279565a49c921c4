using System.Diagnostics;
using System.Globalization;

namespace StationHub.Testing;

/// <summary>
/// The pinned Azurite (infra/local) as a child process on free loopback ports: in memory, or on
/// disk in a folder. Stopped with SIGTERM so it saves and exits (AZURITE.md, trap 3).
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    // Azurite's well-known development account (public, documented by Microsoft).
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process process;

    private AzuriteProcess(Process process, int blobPort, int queuePort, int tablePort)
    {
        this.process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>The emulator's process id (node runs the script itself), for reading its CPU and memory.</summary>
    public int ProcessId => process.Id;

    /// <param name="dataFolder">Null: in memory (<c>--inMemoryPersistence</c>); otherwise the folder it keeps its data in.</param>
    /// <param name="ports">Null: free ports; otherwise these (blob, queue, table), say those of an emulator just stopped, so that clients keep their connection string.</param>
    public static async Task<AzuriteProcess> StartAsync(string? dataFolder = null, (int Blob, int Queue, int Table)? ports = null)
    {
        if (!File.Exists(RepoPaths.AzuriteBin))
        {
            throw new InvalidOperationException($"Azurite is not installed at {RepoPaths.AzuriteBin}: run 'npm ci' in infra/local (tests/run-all.sh does).");
        }

        var (blob, queue, table) = ports ?? (Loopback.FreePort(), Loopback.FreePort(), Loopback.FreePort());
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

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new AzuriteProcess(process, blob, queue, table);
        try
        {
            await Loopback.WaitForPortAsync(process, queue, "Azurite", StartTimeout);
            await Loopback.WaitForPortAsync(process, table, "Azurite", StartTimeout);
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }

        return azurite;
    }

    /// <summary>Stops the emulator cleanly (SIGTERM: it saves and exits); kills it if it has not exited in 10 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
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
            }
        }

        process.Dispose();
    }
}
