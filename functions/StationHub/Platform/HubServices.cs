using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Platform.Telemetry;
using StationHub.Platform.Webhooks;
using StationHub.Triggers;

namespace StationHub.Platform;

/// <summary>Registers the hub's shared services and each flow's (<see cref="FlowModule.AddServices"/>); both hosts call this and nothing else of the library's set-up.</summary>
public static class HubServices
{
    public const string RegistryPathSetting = "Registry:Path";
    public const string PseudonymKeySetting = "Secrets:PseudonymKey";

    public static IServiceCollection AddStationHub(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<TimeProvider>(HubClock.SystemClock);
        services.AddSingleton(_ => RegistryLoader.Load(RegistryFile(configuration)));
        services.AddSingleton(new Jitter());
        services.AddMetrics();
        services.AddSingleton<StorageRequestMetrics>();
        services.AddSingleton(provider => StorageClients.Create(configuration, provider.GetRequiredService<StorageRequestMetrics>()));
        services.AddSingleton(_ => new Pseudonyms(ReadKey(configuration[PseudonymKeySetting])));
        services.AddSingleton(_ => HubIdKey.From(configuration));
        services.AddSingleton<IssuedCredentials>();
        services.AddSingleton(provider => new ApiKeys(configuration, provider.GetRequiredService<IssuedCredentials>(), provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton(provider => new HubSecrets(configuration, provider.GetRequiredService<IssuedCredentials>(), provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<RequestDeadline>();
        services.AddSingleton<SignedIntake>();
        services.AddSingleton<PlatformRateLimits>();
        services.AddSingleton<PlatformWebhooks>();
        foreach (var flow in HubFlows.All)
        {
            flow.AddServices(services, configuration);
        }

        return services;
    }

    /// <summary>The registry file (<c>Registry:Path</c>): the registry until storage holds one, and its seed.</summary>
    public static string RegistryFile(IConfiguration configuration) => ResolvePath(configuration[RegistryPathSetting]
        ?? throw new InvalidOperationException($"The setting '{RegistryPathSetting}' is missing."));

    private static string ResolvePath(string path) =>
        Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path) is var local && File.Exists(local) ? local : Path.GetFullPath(path);

    private static byte[] ReadKey(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidOperationException($"The setting '{PseudonymKeySetting}' is missing.");
        }

        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException exception)
        {
            throw new InvalidOperationException($"The setting '{PseudonymKeySetting}' must be base64.", exception);
        }
    }
}
