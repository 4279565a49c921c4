using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StationHub.Ledger.Checkpoints;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Platform.Webhooks;

namespace StationHub.Platform;

/// <summary>
/// What both hosts do once before they serve anything: check every required setting, naming each
/// one that is missing or malformed, and make sure the hub's queues and tables exist (idempotent),
/// so a host started on an empty storage account works with nothing provisioned by hand.
/// </summary>
public static partial class HubStartup
{
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HubStartup));
        var problems = CheckSettings(services, logger);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("StationHub cannot start: " + string.Join(" ", problems));
        }

        await services.GetRequiredService<HubStorage>().EnsureCreatedAsync(cancellationToken);
        Log.Ready(logger);
    }

    /// <summary>Every problem with the settings, each naming its setting; empty when all is well.</summary>
    public static List<string> CheckSettings(IServiceProvider services, ILogger logger)
    {
        var problems = new List<string>();
        var configuration = services.GetRequiredService<IConfiguration>();
        HubRegistry registry;
        try
        {
            registry = services.GetRequiredService<HubRegistry>();
            _ = services.GetRequiredService<Pseudonyms>();
            _ = services.GetRequiredService<ApiKeys>();
            _ = services.GetRequiredService<HubStorage>();
        }
        catch (InvalidOperationException exception)
        {
            problems.Add(exception.Message);
            return problems;
        }

        foreach (var platform in registry.Document.Platforms)
        {
            RequireSecret(configuration, $"Secrets:Platforms:{platform.Id}:SigningSecret", problems);
            RequireKeyHash(configuration, $"Auth:ApiKeyHashes:platform:{platform.Id}", problems);
        }

        foreach (var city in registry.Document.Cities)
        {
            RequireSecret(configuration, $"Secrets:Cities:{city.Id}:SigningSecret", problems);
            RequireKeyHash(configuration, $"Auth:ApiKeyHashes:city:{city.Id}", problems);
            if (city.Delivery.Format == CityDeliveryFormat.Open311 && string.IsNullOrEmpty(configuration[$"Secrets:Cities:{city.Id}:Open311ApiKey"]))
            {
                problems.Add($"The setting 'Secrets:Cities:{city.Id}:Open311ApiKey' is missing (city {city.Id} takes Open311 POSTs).");
            }
        }

        if (LedgerSigningKey.Problem(configuration) is { } ledgerKeyProblem)
        {
            problems.Add(ledgerKeyProblem);
        }

        if (!configuration.GetSection("Auth:ApiKeyHashes:admin").GetChildren().Any())
        {
            problems.Add("No administrator key: set at least one 'Auth:ApiKeyHashes:admin:{name}'.");
        }

        // A station without a key cannot scan parcels or vouchers, but the rest of the hub works.
        foreach (var station in registry.Document.Stations.Where(s => string.IsNullOrEmpty(configuration[$"Auth:ApiKeyHashes:station:{s.Id}"])))
        {
            Log.StationWithoutKey(logger, station.Id);
        }

        return problems;
    }

    private static void RequireSecret(IConfiguration configuration, string key, List<string> problems)
    {
        var value = configuration[key];
        if (string.IsNullOrEmpty(value))
        {
            problems.Add($"The setting '{key}' is missing.");
            return;
        }

        try
        {
            _ = new StandardWebhook(value);
        }
        catch (ArgumentException)
        {
            problems.Add($"The setting '{key}' must be a signing secret of the form whsec_<base64>.");
        }
    }

    private static void RequireKeyHash(IConfiguration configuration, string key, List<string> problems)
    {
        if (string.IsNullOrEmpty(configuration[key]))
        {
            problems.Add($"The setting '{key}' is missing (the hex SHA-256 of the caller's API key).");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Settings checked; queues and tables are in place")]
        public static partial void Ready(ILogger logger);

        [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Station {StationId} has no API key setting (Auth:ApiKeyHashes:station:...): it cannot scan parcels or vouchers")]
        public static partial void StationWithoutKey(ILogger logger, string stationId);
    }
}
