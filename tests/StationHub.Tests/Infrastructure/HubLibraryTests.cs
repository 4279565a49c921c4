using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StationHub.Platform;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// The one fixture for tests of the library below HTTP: its services as both hosts register them
/// (<c>AddStationHub</c>), over the test's own storage names and a registry of its own, on a
/// <see cref="FakeTimeProvider"/> the test moves. A test class derives from it and names where its
/// clock starts and what it sets; everything is made before each test and removed after it.
/// </summary>
public abstract class HubLibraryTests(DateTimeOffset start, Action<Dictionary<string, string?>>? configure = null, Func<string, string>? registry = null) : IAsyncLifetime
{
    /// <summary>The ledger's tests: 01:00 UTC on 20 November 2026 (09:00 in Shanghai), the ledger starting that day.</summary>
    protected static readonly DateTimeOffset LedgerStart = new(2026, 11, 20, 1, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Clock { get; } = new(start);

    protected TestStorage Storage { get; private set; } = null!;

    protected TestRegistry Registry { get; private set; } = null!;

    protected Dictionary<string, string?> Settings { get; private set; } = null!;

    protected ServiceProvider Services { get; private set; } = null!;

    /// <summary>The ledger's settings: it starts on the day of <see cref="LedgerStart"/>.</summary>
    protected static void LedgerFromStart(Dictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["Ledger:StartDate"] = "2026-11-20";
    }

    protected T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        Storage = await TestStorage.CreateAsync();
        Registry = new TestRegistry(new Uri("http://127.0.0.1:9/c"), new Uri("http://127.0.0.1:9/o"), new Uri("http://127.0.0.1:9/p"), new Uri("http://127.0.0.1:9/q"));
        if (registry is not null)
        {
            await File.WriteAllTextAsync(Registry.RegistryPath, registry(await File.ReadAllTextAsync(Registry.RegistryPath)));
        }

        Settings = Registry.Settings(Storage.ConnectionString, Storage.Prefix);
        configure?.Invoke(Settings);
        Services = new ServiceCollection()
            .AddLogging()
            .AddStationHub(new ConfigurationBuilder().AddInMemoryCollection(Settings).Build())
            .AddSingleton<TimeProvider>(Clock)
            .BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        await Storage.DisposeAsync();
        File.Delete(Registry.RegistryPath);
    }
}
