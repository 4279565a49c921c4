using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StationHub.Delivery;
using StationHub.Platform;
using StationHub.Platform.Registry;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Delivery;

/// <summary>The lifecycle's settings and registry members: good ones taken, bad ones stop start-up naming what is wrong.</summary>
public sealed class EndpointSettingsTests
{
    [Fact]
    public void The_defaults_are_five_days_and_ten_seconds()
    {
        var options = new DeliveryOptions();

        Assert.Equal(TimeSpan.FromDays(5), options.DisableAfter);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ThrottleMaxWait);
    }

    [Theory]
    [InlineData("Delivery:DisableAfter", "00:00:00")]
    [InlineData("Delivery:DisableAfter", "-1.00:00:00")]
    [InlineData("Delivery:DisableAfter", "91.00:00:00")]
    [InlineData("Delivery:DisableAfter", "five days")]
    [InlineData("Delivery:ThrottleMaxWait", "00:02:00")]
    [InlineData("Delivery:ThrottleMaxWait", "-00:00:01")]
    [InlineData("Delivery:ThrottleMaxWait", "soon")]
    public void A_bad_lifecycle_setting_stops_start_up(string key, string value)
    {
        using var world = OfflineServices.Over(settings => settings[key] = value);

        var failure = Record.Exception(() => world.Services.GetRequiredService<IOptions<DeliveryOptions>>().Value);

        Assert.True(failure is OptionsValidationException or InvalidOperationException, failure?.GetType().Name);
        // The setting itself is named (Delivery:DisableAfter), out of range and unreadable alike.
        Assert.Contains(key, failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_registry_naming_an_administrators_endpoint_needs_its_signing_secret()
    {
        using var world = OfflineServices.Over(_ => { }, registry => registry.Replace("\"pointsCatalog\"", "\"admin\": { \"webhookUrl\": \"https://ops.example/hooks\" }, \"pointsCatalog\"", StringComparison.Ordinal));

        var problems = HubStartup.CheckSettings(world.Services, NullLogger.Instance);

        Assert.Contains(problems, p => p.Contains("'Secrets:Admin:SigningSecret' is missing", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"admin\": { \"webhookUrl\": \"/relative/hooks\" }, ", "admin.webhookUrl")]
    [InlineData("\"admin\": { \"webhookUrl\": \"ftp://ops.example/hooks\" }, ", "admin.webhookUrl")]
    public void A_bad_administrators_endpoint_is_refused(string member, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"stationhub-registry-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, File.ReadAllText(RepoPaths.SampleRegistry).Replace("\"pointsCatalog\"", member + "\"pointsCatalog\"", StringComparison.Ordinal));
        try
        {
            var failure = Assert.Throws<InvalidOperationException>(() => RegistryLoader.Load(path));
            Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_city_maxPerSecond_out_of_range_is_refused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stationhub-registry-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, File.ReadAllText(RepoPaths.SampleRegistry).Replace("\"format\": \"webhook\",", "\"format\": \"webhook\", \"maxPerSecond\": 0,", StringComparison.Ordinal));
        try
        {
            var failure = Assert.Throws<InvalidOperationException>(() => RegistryLoader.Load(path));
            Assert.Contains("city 'hangzhou' has delivery.maxPerSecond 0", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
