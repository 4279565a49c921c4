using System.Text.Json;
using StationHub.Platform.Security;
using StationHub.Platform.Webhooks;

namespace StationHub.Testing;

/// <summary>
/// A registry and settings for one test (or benchmark run): the sample's cities, districts and
/// categories, with the cities' and platforms' endpoints pointed at its own receivers and fresh secrets.
/// </summary>
public sealed class TestRegistry
{
    public const string Platform = "swiftride";
    public const string OtherPlatform = "neighborbuy";
    public const string WebhookCity = "hangzhou";
    public const string Open311City = "ningbo";

    public const string PlatformKey = "test-platform-key";
    public const string OtherPlatformKey = "test-other-platform-key";
    public const string WebhookCityKey = "test-hangzhou-key";
    public const string Open311CityKey = "test-ningbo-key";
    public const string AdminKey = "test-admin-key";
    public const string Station = "st-hz-01";
    public const string StationKey = "test-st-hz-01-key";
    public const string OtherStation = "st-hz-02";
    public const string OtherStationKey = "test-st-hz-02-key";
    public const string Open311OutboundKey = "test-ningbo-open311-key";

    /// <summary>Hangzhou's water authority (flooding) and human-resources bureau (some worker needs).</summary>
    public const string WaterBody = "hz-water";
    public const string WaterBodyKey = "test-hz-water-key";
    public const string HrBody = "hz-hr-bureau";
    public const string HrBodyKey = "test-hz-hr-bureau-key";
    public const string OperatorBody = "hz-station-operator";

    /// <summary>The bodies take signed webhooks at the city's receiver, under their own paths.</summary>
    public static string BodyPath(string bodyId) => $"body/{bodyId}/webhooks";

    /// <summary>The other platform is throttled low, so tests can reach its rate.</summary>
    public const int OtherPlatformRatePerSecond = 2;

    /// <param name="platformRatePerSecond">The first platform's webhook rate; null keeps the registry default.</param>
    public TestRegistry(Uri cityEndpoint, Uri open311Endpoint, Uri platformEndpoint, Uri otherPlatformEndpoint, int? platformRatePerSecond = null)
    {
        PlatformSecret = StandardWebhook.NewSecret();
        OtherPlatformSecret = StandardWebhook.NewSecret();
        CitySecret = StandardWebhook.NewSecret();
        BodySecret = StandardWebhook.NewSecret();
        Open311CitySecret = StandardWebhook.NewSecret();
        var sample = File.ReadAllText(RepoPaths.SampleRegistry);
        // The bodies' endpoints sit on the city's receiver, beside its city/webhooks (body/{id}/webhooks).
        sample = sample
            .Replace("http://127.0.0.1:7079/sandbox/cities/hangzhou/webhooks", cityEndpoint.AbsoluteUri, StringComparison.Ordinal)
            .Replace("http://127.0.0.1:7079/sandbox/bodies/", new Uri(cityEndpoint, "../body/").AbsoluteUri, StringComparison.Ordinal)
            .Replace("http://127.0.0.1:7079/sandbox/cities/ningbo/open311/requests.json", open311Endpoint.AbsoluteUri, StringComparison.Ordinal)
            .Replace("http://127.0.0.1:7079/sandbox/platforms/swiftride/webhooks\"", platformEndpoint.AbsoluteUri + "\"" + (platformRatePerSecond is { } rate ? $", \"ratePerSecond\": {rate}" : string.Empty), StringComparison.Ordinal)
            .Replace("http://127.0.0.1:7079/sandbox/witness", "http://127.0.0.1:9/witness", StringComparison.Ordinal)
            .Replace("http://127.0.0.1:7079/sandbox/platforms/neighborbuy/webhooks\" }", otherPlatformEndpoint.AbsoluteUri + $"\", \"ratePerSecond\": {OtherPlatformRatePerSecond} }}", StringComparison.Ordinal);
        using (JsonDocument.Parse(sample))
        {
        }

        RegistryPath = Path.Combine(Path.GetTempPath(), $"stationhub-registry-{Guid.NewGuid():N}.json");
        File.WriteAllText(RegistryPath, sample);
    }

    public string RegistryPath { get; }

    /// <summary>The Open311 key a body that takes Open311 POSTs sends (setting <c>Secrets:Bodies:{id}:Open311ApiKey</c>).</summary>
    public const string BodyOpen311Key = "test-body-open311-key";

    /// <summary>Makes one body take Open311 form POSTs at <paramref name="endpoint"/> instead of signed webhooks.</summary>
    public void SendBodyByOpen311(string bodyId, Uri endpoint)
    {
        var json = File.ReadAllText(RegistryPath);
        var webhook = new System.Text.RegularExpressions.Regex($"\"format\": \"webhook\", \"endpoint\": \"[^\"]*/body/{bodyId}/webhooks\"");
        if (!webhook.IsMatch(json))
        {
            throw new InvalidOperationException($"The test registry has no body '{bodyId}' taking webhooks.");
        }

        File.WriteAllText(RegistryPath, webhook.Replace(json, $"\"format\": \"open311\", \"endpoint\": \"{endpoint.AbsoluteUri}\"", 1));
    }

    /// <summary>Rewrites the test registry's JSON (say, a category's window), before the hub starts.</summary>
    public void Edit(Func<string, string> change)
    {
        var json = change(File.ReadAllText(RegistryPath));
        using (JsonDocument.Parse(json))
        {
        }

        File.WriteAllText(RegistryPath, json);
    }

    public string PlatformSecret { get; }

    public string OtherPlatformSecret { get; }

    public string CitySecret { get; }

    public string Open311CitySecret { get; }

    /// <summary>One signing secret for every body of the test (each is its own setting).</summary>
    public string BodySecret { get; }

    public StandardWebhook PlatformSigner => new(PlatformSecret);

    /// <summary>The ledger's checkpoint key in tests (a signed-note private key; never used outside tests).</summary>
    /// <summary>The key of the test hubs' report ids, so a test can name the id of a report it queues itself.</summary>
    public const string HubIdKey = "Rp9ADV4DRJG3faJjiPJwKdieMnNj5But9cr2+NT1nE4=";

    /// <summary>The hub ids of the test hubs.</summary>
    public static StationHub.Platform.Security.HubIdKey HubIds { get; } = new(Convert.FromBase64String(HubIdKey));

    public const string LedgerSigningKey = "PRIVATE+KEY+stationhub.test/ledger+e5621fa8+AXTkNaFutmrrW+e+UszDYhL1Hd2xWsWiji98TTJ4drLk";

    /// <summary>Its verifier key.</summary>
    public const string LedgerVerifierKey = "stationhub.test/ledger+e5621fa8+AQC9rp1gU+CNdI19dDkzOHpXr9PpLStVJeUdkSwWJa3P";

    /// <summary>Every setting the hub needs, for this registry and the given storage account and name prefix.</summary>
    public Dictionary<string, string?> Settings(string connectionString, string prefix) => new()
    {
        ["AzureWebJobsStorage"] = connectionString,
        ["Storage:Prefix"] = prefix,
        ["Registry:Path"] = RegistryPath,
        ["Registry:AllowPrivateEndpoints"] = "true",
        ["Secrets:PseudonymKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["Secrets:HubIdKey"] = HubIdKey,
        ["Secrets:Platforms:swiftride:SigningSecret"] = PlatformSecret,
        ["Secrets:Platforms:neighborbuy:SigningSecret"] = OtherPlatformSecret,
        ["Secrets:Cities:hangzhou:SigningSecret"] = CitySecret,
        ["Secrets:Cities:ningbo:SigningSecret"] = Open311CitySecret,
        ["Secrets:Cities:ningbo:Open311ApiKey"] = Open311OutboundKey,
        ["Secrets:LedgerSigningKey"] = LedgerSigningKey,
        ["Auth:ApiKeyHashes:platform:swiftride"] = ApiKeys.Hash(PlatformKey),
        ["Auth:ApiKeyHashes:platform:neighborbuy"] = ApiKeys.Hash(OtherPlatformKey),
        ["Auth:ApiKeyHashes:city:hangzhou"] = ApiKeys.Hash(WebhookCityKey),
        ["Auth:ApiKeyHashes:city:ningbo"] = ApiKeys.Hash(Open311CityKey),
        ["Auth:ApiKeyHashes:admin:ops"] = ApiKeys.Hash(AdminKey),
        ["Secrets:Bodies:hz-water:SigningSecret"] = BodySecret,
        ["Secrets:Bodies:hz-hr-bureau:SigningSecret"] = BodySecret,
        ["Secrets:Bodies:hz-station-operator:SigningSecret"] = BodySecret,
        ["Auth:ApiKeyHashes:body:hz-water"] = ApiKeys.Hash(WaterBodyKey),
        ["Auth:ApiKeyHashes:body:hz-hr-bureau"] = ApiKeys.Hash(HrBodyKey),
        ["Auth:ApiKeyHashes:body:hz-station-operator"] = ApiKeys.Hash("test-hz-station-operator-key"),
        ["Auth:ApiKeyHashes:station:st-hz-01"] = ApiKeys.Hash(StationKey),
        ["Auth:ApiKeyHashes:station:st-hz-02"] = ApiKeys.Hash(OtherStationKey),
        ["Delivery:RetrySchedule"] = "00:00:01,00:00:01,00:00:02",
        ["Delivery:Timeout"] = "00:00:06",
        ["Delivery:JitterPercent"] = "0",
        ["Sandbox:Enabled"] = "false",
        ["LocalHost:HostJson"] = RepoPaths.HostJson,
        ["LocalHost:QueueLease"] = "00:00:10",
        ["LocalHost:MaxPollingInterval"] = "00:00:01",
        ["Logging:LogLevel:Default"] = "Warning",
    };
}
