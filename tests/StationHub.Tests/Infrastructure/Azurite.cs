using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// One real Azurite (in-memory, on free ports) shared by every test in the run; each test
/// isolates itself with its own queue and table names (<see cref="TestStorage"/>).
/// Set STATIONHUB_TEST_STORAGE to a connection string to use an emulator started elsewhere.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    // Azurite's well-known development account (public, documented by Microsoft).
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<Task<Azurite>> Shared = new(StartSharedAsync);
    private readonly Process? process;

    private Azurite(string connectionString, Process? process, int queuePort, (int Blob, int Queue, int Table) ports = default)
    {
        ConnectionString = connectionString;
        this.process = process;
        QueuePort = queuePort;
        Ports = ports;
    }

    public string ConnectionString { get; }

    public int QueuePort { get; }

    /// <summary>The ports it listens on, to start it again on the same ones.</summary>
    public (int Blob, int Queue, int Table) Ports { get; }

    public static Task<Azurite> GetAsync() => Shared.Value;

    /// <summary>Starts a separate emulator (for tests that stop and restart it).</summary>
    public static async Task<Azurite> StartAsync(string? dataFolder = null, (int Blob, int Queue, int Table)? ports = null)
    {
        var (blob, queue, table) = ports ?? (FreePort(), FreePort(), FreePort());
        if (!File.Exists(RepoPaths.AzuriteBin))
        {
            throw new InvalidOperationException($"Azurite is not installed at {RepoPaths.AzuriteBin}: run 'npm ci' in infra/local (tests/run-all.sh does).");
        }

        var start = new ProcessStartInfo(RepoPaths.AzuriteBin)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataFolder ?? Path.GetTempPath(),
        };
        foreach (var arg in new[]
        {
            "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
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
        await WaitForPortAsync(process, queue);
        await WaitForPortAsync(process, table);
        var connection =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
        return new Azurite(connection, process, queue, (blob, queue, table));
    }

    /// <summary>Stops the emulator cleanly (SIGTERM: it saves and exits), as AZURITE.md advises.</summary>
    public async ValueTask DisposeAsync()
    {
        if (process is null || process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
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

        process.Dispose();
    }

    private static async Task<Azurite> StartSharedAsync()
    {
        if (Environment.GetEnvironmentVariable("STATIONHUB_TEST_STORAGE") is { Length: > 0 } external)
        {
            return new Azurite(external, null, 0);
        }

        var azurite = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return azurite;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(Process process, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited at start with code {process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"Azurite did not answer on port {port} within 30 s.");
    }
}
