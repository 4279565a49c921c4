using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StationHub.Platform;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Platform;

/// <summary>A responsible body's settings are checked at start-up like a city's: each missing one is named.</summary>
public sealed class HubStartupTests
{
    private static readonly Uri Nowhere = new("http://127.0.0.1:9/");

    [Fact]
    public void The_sample_settings_of_every_body_pass()
    {
        var registry = NewRegistry();

        Assert.Empty(Check(registry.Settings("UseDevelopmentStorage=true", "t")));
    }

    [Theory]
    [InlineData("Secrets:Bodies:hz-water:SigningSecret")]
    [InlineData("Auth:ApiKeyHashes:body:hz-hr-bureau")]
    public void A_missing_body_setting_stops_start_up_and_is_named(string setting)
    {
        var registry = NewRegistry();
        var settings = registry.Settings("UseDevelopmentStorage=true", "t");
        settings.Remove(setting);

        var problem = Assert.Single(Check(settings));
        Assert.Contains($"'{setting}'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Secrets:Bodies:hz-water:SigningSecret")]
    [InlineData("Auth:ApiKeyHashes:platform:swiftride")]
    public void With_a_key_encryption_key_a_tenant_may_take_its_credentials_from_the_registry(string setting)
    {
        var settings = NewRegistry().Settings("UseDevelopmentStorage=true", "t");
        settings.Remove(setting);
        settings[HubScenario.CredentialKeySetting] = HubScenario.CredentialKey;

        Assert.Empty(Check(settings));

        // What is set is still checked.
        settings["Secrets:Bodies:hz-station-operator:SigningSecret"] = "not-a-secret";
        Assert.Contains("'Secrets:Bodies:hz-station-operator:SigningSecret' must be a signing secret", Assert.Single(Check(settings)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_secret_that_is_no_signing_secret_is_named()
    {
        var registry = NewRegistry();
        var settings = registry.Settings("UseDevelopmentStorage=true", "t");
        settings["Secrets:Bodies:hz-station-operator:SigningSecret"] = "not-a-secret";

        var problem = Assert.Single(Check(settings));
        Assert.Contains("'Secrets:Bodies:hz-station-operator:SigningSecret' must be a signing secret", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_takes_Open311_without_its_key_stops_start_up()
    {
        var registry = NewRegistry();
        registry.SendBodyByOpen311(TestRegistry.WaterBody, new Uri(Nowhere, "open311/requests.json"));
        var settings = registry.Settings("UseDevelopmentStorage=true", "t");

        var problem = Assert.Single(Check(settings));
        Assert.Contains("'Secrets:Bodies:hz-water:Open311ApiKey' is missing", problem, StringComparison.Ordinal);

        await using var services = Build(settings);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HubStartup.PrepareAsync(services));
        Assert.Contains("Secrets:Bodies:hz-water:Open311ApiKey", error.Message, StringComparison.Ordinal);

        settings["Secrets:Bodies:hz-water:Open311ApiKey"] = TestRegistry.BodyOpen311Key;
        Assert.Empty(Check(settings));
    }

    [Fact]
    public void A_missing_or_short_hub_id_key_stops_start_up_and_is_named()
    {
        var settings = NewRegistry().Settings("UseDevelopmentStorage=true", "t");
        settings.Remove(StationHub.Platform.Security.HubIdKey.Setting);

        Assert.Contains("'Secrets:HubIdKey' is missing", Assert.Single(Check(settings)), StringComparison.Ordinal);

        settings[StationHub.Platform.Security.HubIdKey.Setting] = Convert.ToBase64String(new byte[16]);
        Assert.Contains("'Secrets:HubIdKey' must hold at least 32 bytes", Assert.Single(Check(settings)), StringComparison.Ordinal);
    }

    private static TestRegistry NewRegistry() => new(Nowhere, Nowhere, Nowhere, Nowhere);

    private static List<string> Check(Dictionary<string, string?> settings)
    {
        using var services = Build(settings);
        return HubStartup.CheckSettings(services, NullLogger.Instance);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddStationHub(configuration)
            .BuildServiceProvider();
    }
}
