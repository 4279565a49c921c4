using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StationHub.LocalHost.Hosting;
using StationHub.Ledger;
using StationHub.Ledger.Checkpoints;
using StationHub.Platform;
using StationHub.Platform.Storage;
using StationHub.Testing;
using StationHub.Triggers;

namespace StationHub.Benchmarks.Ledger;

/// <summary>
/// The hub's ledger services (the same <see cref="LedgerEntryWriter"/>, <see cref="LedgerStore"/>
/// and <see cref="LedgerSealer"/> the timers run) over storage names of their own on the
/// benchmark's Azurite, on a clock the benchmark sets.
/// </summary>
public sealed class LedgerWorld : IAsyncDisposable
{
    private readonly ServiceProvider services;

    private LedgerWorld(ServiceProvider services, Dictionary<string, string?> settings, ManualClock clock)
    {
        this.services = services;
        Settings = settings;
        Clock = clock;
        Zone = TimeZoneInfo.FindSystemTimeZoneById(services.GetRequiredService<IOptions<LedgerOptions>>().Value.TimeZone);
    }

    /// <summary>The settings a local host needs to serve this world's ledger (its triggers off).</summary>
    public Dictionary<string, string?> Settings { get; }

    public ManualClock Clock { get; }

    public TimeZoneInfo Zone { get; }

    public LedgerEntryWriter Writer => services.GetRequiredService<LedgerEntryWriter>();

    public LedgerSealer Sealer => services.GetRequiredService<LedgerSealer>();

    /// <summary>What the hourly timer runs: sealing, then appending the sealed days to the tree and signing their checkpoints.</summary>
    public LedgerSealing Sealing => services.GetRequiredService<LedgerSealing>();

    public LedgerCheckpoints Checkpoints => services.GetRequiredService<LedgerCheckpoints>();

    private HubStorage Storage => services.GetRequiredService<HubStorage>();

    public static async Task<LedgerWorld> CreateAsync(AzuriteProcess azurite, TestRegistry registry, DateOnly startDate)
    {
        var settings = registry.Settings(azurite.ConnectionString, "l" + Guid.NewGuid().ToString("N")[..10]);
        settings["Ledger:StartDate"] = LedgerStore.Key(startDate);
        settings[TriggerRuntime.DisabledSetting] = "true";
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var services = new ServiceCollection()
            .AddLogging()
            .AddStationHub(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddSingleton<TimeProvider>(clock)
            .BuildServiceProvider();
        var world = new LedgerWorld(services, settings, clock);
        await world.Storage.EnsureCreatedAsync();
        return world;
    }

    /// <summary>Writes a day's entries in slices, as the flows would over the day (not timed as sealing).</summary>
    public async Task WriteDayAsync(DateOnly date, int count)
    {
        foreach (var slice in LedgerDays.Entries(date, count, Zone).Chunk(5_000))
        {
            await Writer.WriteAsync(slice);
        }
    }

    /// <summary>Sets the clock to 02:00 city time the day after <paramref name="date"/>: past the grace period, so the day is sealable.</summary>
    public void SetClockToSeal(DateOnly date) => Clock.Now = LedgerDays.At(date.AddDays(1), new TimeOnly(2, 0), Zone);

    /// <summary>
    /// Removes a sealed day and its checkpoint, so the same day can be sealed and appended again for
    /// another timed run (its tree nodes stay: they are rewritten with the same hashes).
    /// </summary>
    public async Task UnsealAsync(DateOnly date)
    {
        await Storage.Table(Tables.LedgerDays).DeleteEntityAsync(LedgerDayEntity.SealedPartition, LedgerStore.Key(date));
        await Storage.Table(Tables.LedgerCheckpoints).DeleteEntityAsync(LedgerCheckpointEntity.DayPartition, LedgerStore.Key(date));
    }

    public async ValueTask DisposeAsync()
    {
        await Storage.DeleteAllAsync();
        await services.DisposeAsync();
    }
}
