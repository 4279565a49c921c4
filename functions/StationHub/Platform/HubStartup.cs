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
    /// <summary>How long to wait between two tries to make the queues and tables while storage is out of reach.</summary>
    public static readonly TimeSpan StorageRetry = TimeSpan.FromSeconds(2);

    /// <summary>The key-encryption key of the credentials the registry issues (<c>Tenants/CredentialOptions</c>).</summary>
    private const string CredentialKeySetting = "Registry:CredentialKey";

    public static async Task PrepareAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        CheckSettingsOrThrow(services);
        await EnsureStorageAsync(services, cancellationToken);
    }

    /// <summary>Stops start-up, naming every setting that is missing or malformed.</summary>
    public static void CheckSettingsOrThrow(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HubStartup));
        var problems = CheckSettings(services, logger);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("StationHub cannot start: " + string.Join(" ", problems)
                + " (A setting A:B is the app setting or environment variable A__B.)");
        }
    }

    /// <summary>
    /// Makes the queues and tables, trying again every <see cref="StorageRetry"/> while storage is out of
    /// reach (a host started during an outage comes up, and answers 503 until storage is back).
    /// </summary>
    public static async Task EnsureStorageAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HubStartup));
        var time = services.GetRequiredService<TimeProvider>();
        while (true)
        {
            try
            {
                await services.GetRequiredService<HubStorage>().EnsureCreatedAsync(cancellationToken);
                Log.Ready(logger);
                return;
            }
            catch (Exception exception) when (HubStorage.IsUnreachable(exception) && !cancellationToken.IsCancellationRequested)
            {
                Log.StorageNotReady(logger, exception.GetType().Name);
                await Task.Delay(StorageRetry, time, cancellationToken);
            }
        }
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
            _ = services.GetRequiredService<HubIdKey>();
            _ = services.GetRequiredService<ApiKeys>();
            _ = services.GetRequiredService<HubStorage>();
        }
        catch (InvalidOperationException exception)
        {
            problems.Add(exception.Message);
            return problems;
        }

        // With a key-encryption key the registry issues credentials (Tenants/Credentials): a tenant without
        // them in settings may hold them there (storage is not read before start-up), so it is named in
        // the log, not refused. Settings that are set are checked either way.
        var missing = new List<string>();
        var fromRegistry = !string.IsNullOrEmpty(configuration[CredentialKeySetting]);
        foreach (var platform in registry.Document.Platforms)
        {
            RequireSigningSecrets(configuration, HubSecrets.PlatformSection(platform.Id), problems, missing);
            RequireKeyHash(configuration, $"Auth:ApiKeyHashes:platform:{platform.Id}", missing);
        }

        foreach (var city in registry.Document.Cities)
        {
            RequireSigningSecrets(configuration, HubSecrets.CitySection(city.Id), problems, missing);
            RequireKeyHash(configuration, $"Auth:ApiKeyHashes:city:{city.Id}", missing);
            if (city.Delivery.Format == CityDeliveryFormat.Open311 && string.IsNullOrEmpty(configuration[$"Secrets:Cities:{city.Id}:Open311ApiKey"]))
            {
                problems.Add($"The setting 'Secrets:Cities:{city.Id}:Open311ApiKey' is missing (city {city.Id} takes Open311 POSTs).");
            }
        }

        foreach (var (city, body) in registry.Bodies)
        {
            RequireSigningSecrets(configuration, HubSecrets.BodySection(body.Id), problems, missing);
            RequireKeyHash(configuration, $"Auth:ApiKeyHashes:body:{body.Id}", missing);
            if (body.Delivery.Format == CityDeliveryFormat.Open311 && string.IsNullOrEmpty(configuration[$"Secrets:Bodies:{body.Id}:Open311ApiKey"]))
            {
                problems.Add($"The setting 'Secrets:Bodies:{body.Id}:Open311ApiKey' is missing (body {body.Id} of city {city.Id} takes Open311 POSTs).");
            }
        }

        // Only what is missing is left to the registry; a malformed setting stops start-up all the same.
        if (!fromRegistry)
        {
            problems.AddRange(missing);
        }

        foreach (var setting in fromRegistry ? missing : [])
        {
            Log.CredentialsFromRegistry(logger, setting);
        }

        if (registry.Document.Admin is not null)
        {
            RequireSigningSecrets(configuration, HubSecrets.AdminSection, problems);
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

    /// <summary>
    /// The section's <c>SigningSecret</c> (required) and, during a rotation, its
    /// <c>NextSigningSecret</c> (optional, but well-formed and not the same secret when set).
    /// </summary>
    private static void RequireSigningSecrets(IConfiguration configuration, string section, List<string> problems, List<string>? missing = null)
    {
        var key = $"{section}:{HubSecrets.SigningSecretName}";
        var current = configuration[key];
        if (string.IsNullOrEmpty(current))
        {
            (missing ?? problems).Add($"The setting '{key}' is missing.");
        }
        else
        {
            CheckSecret(key, current, problems);
        }

        var nextKey = $"{section}:{HubSecrets.NextSigningSecretName}";
        var next = configuration[nextKey];
        if (next is null)
        {
            return;
        }

        if (next.Length == 0)
        {
            problems.Add($"The setting '{nextKey}' is empty: remove it, or set the next signing secret.");
        }
        else if (CheckSecret(nextKey, next, problems) && string.Equals(next, current, StringComparison.Ordinal))
        {
            problems.Add($"The setting '{nextKey}' is the same secret as '{key}': a rotation needs a new one.");
        }
    }

    private static bool CheckSecret(string key, string value, List<string> problems)
    {
        try
        {
            _ = new StandardWebhook(value);
            return true;
        }
        catch (ArgumentException)
        {
            problems.Add($"The setting '{key}' must be a signing secret of the form whsec_<base64>.");
            return false;
        }
    }

    private static void RequireKeyHash(IConfiguration configuration, string key, List<string> missing)
    {
        if (string.IsNullOrEmpty(configuration[key]))
        {
            missing.Add($"The setting '{key}' is missing (the hex SHA-256 of the caller's API key).");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9503, Level = LogLevel.Warning, Message = "Storage is out of reach at start-up ({ErrorType}); making the queues and tables again shortly")]
        public static partial void StorageNotReady(ILogger logger, string errorType);

        [LoggerMessage(EventId = 9501, Level = LogLevel.Information, Message = "Settings checked; queues and tables are in place")]
        public static partial void Ready(ILogger logger);

        [LoggerMessage(EventId = 9504, Level = LogLevel.Warning, Message = "{Setting} Its credentials must come from the registry (POST /api/v1/admin/.../credentials); it is refused until it holds one")]
        public static partial void CredentialsFromRegistry(ILogger logger, string setting);

        [LoggerMessage(EventId = 9502, Level = LogLevel.Warning, Message = "Station {StationId} has no API key setting (Auth:ApiKeyHashes:station:...): it cannot scan parcels or vouchers")]
        public static partial void StationWithoutKey(ILogger logger, string stationId);
    }
}
