using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StationHub.Platform;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// The one fixture for what a host makes of its settings (options, start-up checks), below
/// <see cref="HubLibraryTests"/>: the library's services as both hosts register them, over the
/// settings of a registry of the test's own that points nowhere, with storage never reached.
/// Disposing it disposes the services and deletes the registry file.
/// </summary>
public sealed class OfflineServices : IDisposable
{
    private static readonly Uri Nowhere = new("http://127.0.0.1:9/");
    private readonly string registryPath;

    private OfflineServices(ServiceProvider services, string registryPath)
    {
        Services = services;
        this.registryPath = registryPath;
    }

    public ServiceProvider Services { get; }

    /// <param name="configure">Changes the settings (add, replace or remove).</param>
    /// <param name="editRegistry">Changes the registry's JSON text.</param>
    public static OfflineServices Over(Action<Dictionary<string, string?>>? configure = null, Func<string, string>? editRegistry = null)
    {
        var registry = new TestRegistry(Nowhere, Nowhere, Nowhere, Nowhere);
        if (editRegistry is not null)
        {
            File.WriteAllText(registry.RegistryPath, editRegistry(File.ReadAllText(registry.RegistryPath)));
        }

        var settings = registry.Settings("UseDevelopmentStorage=true", "x");
        configure?.Invoke(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddStationHub(configuration)
            .BuildServiceProvider();
        return new OfflineServices(services, registry.RegistryPath);
    }

    /// <summary>
    /// An options class as the hub would bind it with <paramref name="settings"/> set: its <c>Value</c>
    /// is the bound options, or the <see cref="OptionsValidationException"/> that stops start-up.
    /// </summary>
    public static IOptions<T> Options<T>(IReadOnlyDictionary<string, string?> settings)
        where T : class
    {
        // The services stay (the options are read later); only the registry file goes.
        var offline = Over(all =>
        {
            foreach (var (key, value) in settings)
            {
                all[key] = value;
            }
        });
        File.Delete(offline.registryPath);
        return offline.Services.GetRequiredService<IOptions<T>>();
    }

    public void Dispose()
    {
        Services.Dispose();
        File.Delete(registryPath);
    }
}
