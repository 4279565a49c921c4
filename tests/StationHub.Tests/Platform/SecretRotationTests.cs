using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StationHub.Platform;
using StationHub.Platform.Webhooks;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Platform;

/// <summary>
/// Two signing secrets during a rotation: outbound requests carry one signature per secret, inbound
/// either secret verifies. Checked against signatures the reference <c>standardwebhooks</c> npm
/// package made and verified (TestData/standard-webhooks-rotation.*), and end to end.
/// </summary>
public sealed class SecretRotationTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData("standard-webhooks-rotation.json"))).RootElement;

    private static string V(string name) => Vectors.GetProperty(name).GetString()!;

    private static long Timestamp => Vectors.GetProperty("timestamp").GetInt64();

    private static byte[] Body => Encoding.UTF8.GetBytes(V("body"));

    private static DateTimeOffset At => DateTimeOffset.FromUnixTimeSeconds(Timestamp);

    [Fact]
    public void While_rotating_the_hub_signs_with_both_secrets_exactly_as_the_reference_library()
    {
        var signer = new WebhookSigner(new StandardWebhook(V("current")), new StandardWebhook(V("next")));
        var outbound = Vectors.GetProperty("outbound");

        var header = signer.Sign(V("id"), At, Body);

        // The reference library verified this very header under either secret, and not under another.
        Assert.Equal(outbound.GetProperty("header").GetString(), header);
        Assert.True(outbound.GetProperty("verifiedWithCurrent").GetBoolean());
        Assert.True(outbound.GetProperty("verifiedWithNext").GetBoolean());
        Assert.False(outbound.GetProperty("verifiedWithOther").GetBoolean());
        Assert.True(new StandardWebhook(V("next")).Verify(V("id"), Timestamp.ToString(CultureInfo.InvariantCulture), header, Body, At).IsValid);
    }

    [Fact]
    public void Without_a_next_secret_the_hub_sends_one_signature()
    {
        var signer = new WebhookSigner(new StandardWebhook(V("current")));

        Assert.False(signer.IsRotating);
        Assert.Equal(Vectors.GetProperty("inbound").GetProperty("signedWithCurrent").GetString(), signer.Sign(V("id"), At, Body));
    }

    [Theory]
    [InlineData("signedWithCurrent", true)]
    [InlineData("signedWithNext", true)]
    [InlineData("signedWithOther", false)]
    public void Inbound_a_signature_made_with_either_secret_of_the_pair_verifies(string vector, bool valid)
    {
        var signer = new WebhookSigner(new StandardWebhook(V("current")), new StandardWebhook(V("next")));
        var signature = Vectors.GetProperty("inbound").GetProperty(vector).GetString();

        var result = signer.Verify(V("id"), Timestamp.ToString(CultureInfo.InvariantCulture), signature, Body, At.AddSeconds(3));

        Assert.Equal(valid, result.IsValid);
    }

    [Fact]
    public void A_stale_timestamp_is_refused_under_either_secret_with_the_reason()
    {
        var signer = new WebhookSigner(new StandardWebhook(V("current")), new StandardWebhook(V("next")));
        var signature = Vectors.GetProperty("inbound").GetProperty("signedWithNext").GetString();

        var result = signer.Verify(V("id"), Timestamp.ToString(CultureInfo.InvariantCulture), signature, Body, At.AddMinutes(6));

        Assert.False(result.IsValid);
        Assert.Contains("tolerance", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_platform_rotating_its_secret_is_heard_under_both_and_a_city_rotating_gets_both_signatures()
    {
        var next = StandardWebhook.NewSecret();
        var cityNext = StandardWebhook.NewSecret();
        await using var world = await HubScenario.StartAsync(configure: s =>
        {
            s["Secrets:Platforms:swiftride:NextSigningSecret"] = next;
            s["Secrets:Cities:hangzhou:NextSigningSecret"] = cityNext;
        });

        using var withCurrent = await world.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/hazard-reports", Webhooks.HazardReport("rot-current"), world.PlatformSigner));
        using var withNext = await world.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/hazard-reports", Webhooks.HazardReport("rot-next"), new StandardWebhook(next)));
        using var withOther = await world.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/hazard-reports", Webhooks.HazardReport("rot-other"), new StandardWebhook(StandardWebhook.NewSecret())));

        PlatformRetries.AssertAccepted(withCurrent);
        PlatformRetries.AssertAccepted(withNext);
        Assert.Equal(HttpStatusCode.Unauthorized, withOther.StatusCode);

        var atCity = await world.City.WaitForAsync(r => r.Count >= 2);
        foreach (var request in atCity)
        {
            var signatures = request.Header("webhook-signature").Split(' ');
            Assert.Equal(2, signatures.Length);
            foreach (var secret in new[] { world.Registry.CitySecret, cityNext })
            {
                Assert.True(new StandardWebhook(secret).Verify(request.WebhookId, request.Header("webhook-timestamp"), request.Header("webhook-signature"), request.Body, TimeProvider.System.GetUtcNow()).IsValid);
            }
        }
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("whsec_short", "must be a signing secret")]
    [InlineData("not base64 at all!", "must be a signing secret")]
    [InlineData("same", "is the same secret")]
    public void A_bad_next_signing_secret_stops_start_up_naming_the_setting(string value, string expected)
    {
        var registry = new TestRegistry(new Uri("http://127.0.0.1:1/c"), new Uri("http://127.0.0.1:1/o"), new Uri("http://127.0.0.1:1/p"), new Uri("http://127.0.0.1:1/q"));
        try
        {
            var settings = registry.Settings("UseDevelopmentStorage=true", "x");
            settings["Secrets:Cities:hangzhou:NextSigningSecret"] = value == "same" ? registry.CitySecret : value;
            using var services = Services(settings);

            var problems = HubStartup.CheckSettings(services, NullLogger.Instance);

            var problem = Assert.Single(problems);
            Assert.Contains("'Secrets:Cities:hangzhou:NextSigningSecret'", problem, StringComparison.Ordinal);
            Assert.Contains(expected, problem, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(registry.RegistryPath);
        }
    }

    [Fact]
    public void A_good_next_signing_secret_passes_the_start_up_checks()
    {
        var registry = new TestRegistry(new Uri("http://127.0.0.1:1/c"), new Uri("http://127.0.0.1:1/o"), new Uri("http://127.0.0.1:1/p"), new Uri("http://127.0.0.1:1/q"));
        try
        {
            var settings = registry.Settings("UseDevelopmentStorage=true", "x");
            settings["Secrets:Platforms:swiftride:NextSigningSecret"] = StandardWebhook.NewSecret();
            using var services = Services(settings);

            Assert.Empty(HubStartup.CheckSettings(services, NullLogger.Instance));
        }
        finally
        {
            File.Delete(registry.RegistryPath);
        }
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddStationHub(configuration);
        return services.BuildServiceProvider();
    }
}
