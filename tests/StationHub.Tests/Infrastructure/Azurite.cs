namespace StationHub.Tests.Infrastructure;

/// <summary>
/// One real Azurite (in-memory, on the ports it bound) shared by every test in the run; each test
/// isolates itself with its own queue and table names (<see cref="TestStorage"/>).
/// Set STATIONHUB_TEST_STORAGE to a connection string to use an emulator started elsewhere.
/// A test that stops and restarts storage starts one of its own (<see cref="StartAsync"/>): that one
/// is reached through a <see cref="TcpGate"/> per service, which holds its port while the emulator
/// is down, so the hub keeps its connection string across <see cref="StopAsync"/> and
/// <see cref="RestartAsync"/> and no other process can take the port in between. A test that only
/// closes, stalls or cuts off a service puts gates of its own in front of the shared emulator
/// (<see cref="GatedAsync"/>): an emulator costs about 2 CPU-seconds to start.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private static readonly Lazy<Task<Azurite>> Shared = new(StartSharedAsync);
    private readonly string? dataFolder;
    private readonly (TcpGate Blob, TcpGate Queue, TcpGate Table)? gates;
    private readonly bool sharesEmulator;
    private AzuriteProcess? process;
    private int disposed;

    private Azurite(string connectionString, AzuriteProcess? process, string? dataFolder = null, (TcpGate, TcpGate, TcpGate)? gates = null, bool sharesEmulator = false)
    {
        ConnectionString = connectionString;
        this.process = process;
        this.dataFolder = dataFolder;
        this.gates = gates;
        this.sharesEmulator = sharesEmulator;
    }

    public string ConnectionString { get; }

    /// <summary>The ports clients use (the gates' for an emulator of a test's own), to put another gate in front of one.</summary>
    public (int Blob, int Queue, int Table) Ports => gates is (var blob, var queue, var table)
        ? (blob.Port, queue.Port, table.Port)
        : process is null ? default : (process.BlobPort, process.QueuePort, process.TablePort);

    /// <summary>
    /// The emulator's own ports, past the gates (an emulator of a test's own): for the test's reads
    /// while it has a gate closed on the hub. Valid until the emulator is restarted.
    /// </summary>
    public string DirectConnectionString => process?.ConnectionString ?? throw new InvalidOperationException("The emulator is stopped.");

    /// <summary>The gate in front of the table service (an emulator of a test's own, or gates of its own): close it for a table outage alone.</summary>
    public TcpGate TableGate => gates?.Table ?? throw new InvalidOperationException("Only an emulator of a test's own (Azurite.StartAsync) or gates of its own (Azurite.GatedAsync) have gates.");

    /// <summary>The gate in front of the queue service (an emulator of a test's own, or gates of its own): close it for a queue outage alone.</summary>
    public TcpGate QueueGate => gates?.Queue ?? throw new InvalidOperationException("Only an emulator of a test's own (Azurite.StartAsync) or gates of its own (Azurite.GatedAsync) have gates.");

    public static Task<Azurite> GetAsync() => Shared.Value;

    /// <summary>Starts a separate emulator behind gates of its own (for tests that stop and restart it).</summary>
    /// <param name="dataFolder">Null: in memory (a restart starts empty); otherwise the folder it keeps its data in.</param>
    public static async Task<Azurite> StartAsync(string? dataFolder = null)
    {
        return Behind(await AzuriteProcess.StartAsync(dataFolder), dataFolder, sharesEmulator: false);
    }

    /// <summary>
    /// Gates of a test's own in front of the shared emulator, for a test that closes, stalls or cuts off a
    /// service but never stops the emulator: its names keep its storage apart (<see cref="TestStorage"/>),
    /// and only its hub's requests pass its gates. <see cref="StopAsync"/> and <see cref="RestartAsync"/>
    /// are refused; disposing it closes its gates only. On an emulator started elsewhere
    /// (STATIONHUB_TEST_STORAGE: its ports are not known here), it starts one of its own.
    /// </summary>
    public static async Task<Azurite> GatedAsync()
    {
        var emulator = await GetAsync();
        if (emulator.process is not { } process)
        {
            return await StartAsync();
        }

        return Behind(process, dataFolder: null, sharesEmulator: true);
    }

    /// <summary>A gate per service in front of <paramref name="process"/>; clients get the gates' ports.</summary>
    private static Azurite Behind(AzuriteProcess process, string? dataFolder, bool sharesEmulator)
    {
        var gates = (TcpGate.Open(process.BlobPort), TcpGate.Open(process.QueuePort), TcpGate.Open(process.TablePort));
        return new Azurite(AzuriteProcess.ConnectionStringFor(gates.Item1.Port, gates.Item2.Port, gates.Item3.Port), process, dataFolder, gates, sharesEmulator);
    }

    /// <summary>Stops the emulator cleanly (SIGTERM: it saves and exits), as AZURITE.md advises; the gates stay, refusing.</summary>
    public async Task StopAsync()
    {
        if (sharesEmulator)
        {
            throw new InvalidOperationException("Gates in front of the shared emulator (Azurite.GatedAsync) cannot stop it: start one of the test's own (Azurite.StartAsync).");
        }

        if (Interlocked.Exchange(ref process, null) is { } running)
        {
            await running.DisposeAsync();
        }
    }

    /// <summary>Starts the emulator again on the same folder, on new ports behind the same gates.</summary>
    public async Task RestartAsync()
    {
        if (sharesEmulator || gates is not (var blob, var queue, var table))
        {
            throw new InvalidOperationException("Only an emulator of a test's own (Azurite.StartAsync) can be restarted.");
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await StopAsync();
        var started = await AzuriteProcess.StartAsync(dataFolder);
        blob.RetargetTo(started.BlobPort);
        queue.RetargetTo(started.QueuePort);
        table.RetargetTo(started.TablePort);
        process = started;
    }

    /// <summary>Stops the emulator and its gates. Harmless when repeated.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        if (!sharesEmulator)
        {
            await StopAsync();
        }

        if (gates is (var blob, var queue, var table))
        {
            await blob.DisposeAsync();
            await queue.DisposeAsync();
            await table.DisposeAsync();
        }
    }

    private static async Task<Azurite> StartSharedAsync()
    {
        if (Environment.GetEnvironmentVariable("STATIONHUB_TEST_STORAGE") is { Length: > 0 } external)
        {
            return new Azurite(external, null);
        }

        var process = await AzuriteProcess.StartAsync();
        var azurite = new Azurite(process.ConnectionString, process);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.StopAtExit();
        return azurite;
    }

    // The process is ending: no await is possible here, so signal the emulator and let it save and exit on its own.
    private void StopAtExit()
    {
        if (process is { } running)
        {
            using var term = System.Diagnostics.Process.Start("kill", ["-TERM", running.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
    }
}
