namespace StationHub.Tests.Infrastructure;

/// <summary>
/// One real Azurite (in-memory, on free ports) shared by every test in the run; each test
/// isolates itself with its own queue and table names (<see cref="TestStorage"/>).
/// Set STATIONHUB_TEST_STORAGE to a connection string to use an emulator started elsewhere.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private static readonly Lazy<Task<Azurite>> Shared = new(StartSharedAsync);
    private readonly AzuriteProcess? process;

    private Azurite(string connectionString, AzuriteProcess? process)
    {
        ConnectionString = connectionString;
        this.process = process;
    }

    public string ConnectionString { get; }

    public int QueuePort => process?.QueuePort ?? 0;

    /// <summary>The ports it listens on, to start it again on the same ones.</summary>
    public (int Blob, int Queue, int Table) Ports => process is null ? default : (process.BlobPort, process.QueuePort, process.TablePort);

    public static Task<Azurite> GetAsync() => Shared.Value;

    /// <summary>Starts a separate emulator (for tests that stop and restart it).</summary>
    public static async Task<Azurite> StartAsync(string? dataFolder = null, (int Blob, int Queue, int Table)? ports = null)
    {
        var process = await AzuriteProcess.StartAsync(dataFolder, ports);
        return new Azurite(process.ConnectionString, process);
    }

    /// <summary>Stops the emulator cleanly (SIGTERM: it saves and exits), as AZURITE.md advises.</summary>
    public ValueTask DisposeAsync() => process?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static async Task<Azurite> StartSharedAsync()
    {
        if (Environment.GetEnvironmentVariable("STATIONHUB_TEST_STORAGE") is { Length: > 0 } external)
        {
            return new Azurite(external, null);
        }

        var azurite = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return azurite;
    }
}
