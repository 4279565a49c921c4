using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StationHub.Delivery;
using StationHub.GigWork;
using StationHub.HazardReports;
using StationHub.Ledger;
using StationHub.Ledger.Checkpoints;
using StationHub.PickupOrders;
using StationHub.Points;
using StationHub.Platform.Json;
using StationHub.Stations;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Platform.Telemetry;
using StationHub.Platform.Webhooks;

namespace StationHub.Platform;

/// <summary>Registers the hub's services; both hosts call this and nothing else of the library's set-up.</summary>
public static class HubServices
{
    public const string RegistryPathSetting = "Registry:Path";
    public const string PseudonymKeySetting = "Secrets:PseudonymKey";

    public static IServiceCollection AddStationHub(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<TimeProvider>(HubClock.SystemClock);
        services.AddSingleton(new Jitter());
        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<FundOptions>().Bind(configuration.GetSection(FundOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PointsOptions>().Bind(configuration.GetSection(PointsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StationOptions>().Bind(configuration.GetSection(StationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StationMapOptions>().Bind(configuration.GetSection(StationMapOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LedgerOptions>().Bind(configuration.GetSection(LedgerOptions.Section)).ValidateDataAnnotations()
            .Validate(o => TimeZoneExists(o.TimeZone), "Ledger:TimeZone must be an IANA time zone id such as Asia/Shanghai.").ValidateOnStart();

        services.AddSingleton(_ => RegistryLoader.Load(ResolvePath(configuration[RegistryPathSetting]
            ?? throw new InvalidOperationException($"The setting '{RegistryPathSetting}' is missing."))));
        services.AddMetrics();
        services.AddSingleton<StorageRequestMetrics>();
        services.AddSingleton(provider => StorageClients.Create(configuration, provider.GetRequiredService<StorageRequestMetrics>()));
        services.AddSingleton(_ => new Pseudonyms(ReadKey(configuration[PseudonymKeySetting])));
        services.AddSingleton(_ => HubIdKey.From(configuration));
        services.AddSingleton(_ => new ApiKeys(configuration));
        services.AddSingleton(_ => new HubSecrets(configuration));
        services.AddSingleton<RequestDeadline>();
        services.AddSingleton<SignedIntake>();
        services.AddSingleton<PlatformRateLimits>();
        services.AddSingleton<PlatformWebhooks>();
        services.AddSingleton<LedgerEntryWriter>();
        services.AddSingleton<LedgerStore>();
        services.AddSingleton<LedgerSealer>();
        services.AddSingleton<LedgerApi>();
        services.AddSingleton<LedgerPage>();
        services.AddSingleton(_ => new LedgerSigningKey(configuration));
        services.AddSingleton<LedgerTreeStore>();
        services.AddSingleton<LedgerCheckpoints>();
        services.AddSingleton<LedgerSealing>();
        services.AddSingleton<LedgerCheckpointApi>();
        services.AddSingleton<CheckpointSection>();
        services.AddSingleton<WitnessRequests>();
        services.AddSingleton<WitnessCosigning>();
        services.AddHttpClient(WitnessCosigning.HttpClientName, (provider, client) =>
            {
                client.Timeout = provider.GetRequiredService<IOptions<DeliveryOptions>>().Value.Timeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("StationHub/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });

        // Hazard reports
        services.AddSingleton<HazardReportStore>();
        services.AddSingleton<HazardReportIntake>();
        services.AddSingleton<DuplicateClaims>();
        services.AddSingleton<ReportLinks>();
        services.AddSingleton<ReportReopening>();
        services.AddSingleton<HazardReportStatusQuery>();
        services.AddSingleton<HazardReportRouter>();
        services.AddSingleton<ReportUpdateApplier>();
        services.AddSingleton<CityUpdates>();
        services.AddSingleton<HazardReportUpdateRouter>();
        services.AddSingleton<Open311Api>();
        services.AddSingleton<AcknowledgementWatch>();

        // Pickup orders
        services.AddSingleton<PickupOrderStore>();
        services.AddSingleton<PickupCodes>();
        services.AddSingleton<PickupOrderIntake>();
        services.AddSingleton<PickupOrderStatusQuery>();
        services.AddSingleton<StationActions>();
        services.AddSingleton<PickupOrderRouter>();
        services.AddSingleton<PickupExpiry>();

        // Points
        services.AddSingleton<PointsBook>();
        services.AddSingleton<HubIssuedPoints>();
        services.AddSingleton<PointsIntake>();
        services.AddSingleton<PointsRouter>();
        services.AddSingleton<VoucherSettlement>();
        services.AddSingleton<VoucherExpiry>();
        services.AddSingleton<CourierPointsQuery>();

        // Stations: the warm map
        services.AddSingleton<StationStatusStore>();
        services.AddSingleton<StationIndex>();
        services.AddSingleton<StationStatusBook>();
        services.AddSingleton<StationNotices>();
        services.AddSingleton<StationStatusIntake>();
        services.AddSingleton<StationMapApi>();
        services.AddSingleton<StationMapPage>();
        services.AddSingleton<StationMapAssets>();
        services.AddSingleton<StationWatch>();
        // Gig work
        services.AddSingleton<GigWorkBook>();
        services.AddSingleton<GigWorkIntake>();
        services.AddSingleton<GigWorkStatusQuery>();
        services.AddSingleton<GigWorkStandings>();
        services.AddSingleton<GigWorkPolicies>();
        services.AddSingleton<GigWorkRouter>();
        services.AddSingleton<PaymentWatch>();
        services.AddSingleton<GigWorkYear>();

        // Delivery
        services.AddSingleton<DeliveryStore>();
        services.AddSingleton<RetryPolicy>();
        services.AddSingleton<DeliverySender>();
        services.AddSingleton<DeliveryProcessor>();
        services.AddSingleton<DeadLetterAdmin>();
        services.AddSingleton<EndpointStore>();
        services.AddSingleton<ParkedDeliveries>();
        services.AddSingleton<DeliveryThrottle>();
        services.AddSingleton<EndpointAdmin>();
        services.AddHttpClient(DeliverySender.HttpClientName, (provider, client) =>
            {
                client.Timeout = provider.GetRequiredService<IOptions<DeliveryOptions>>().Value.Timeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("StationHub/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),

                // The sender writes traceparent itself (HubTelemetry.Inject), from its own span.
                ActivityHeadersPropagator = null,
            });

        return services;
    }

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

    private static bool TimeZoneExists(string id) => TimeZoneInfo.TryFindSystemTimeZoneById(id, out _);
}
