using Microsoft.Extensions.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using StationHub.Platform;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Telemetry;
using StationHub.Sandbox;
using StationHub.Triggers;

namespace StationHub.LocalHost.Hosting;

/// <summary>
/// Builds the local host: settings from local.settings.json (or the sample), the hub's
/// services, every function of the trigger table (<see cref="HubTriggers"/>), mapped as declared,
/// and Kestrel on 127.0.0.1:7071 like <c>func start</c>.
/// </summary>
public static class HubHost
{
    public const string DefaultUrl = "http://127.0.0.1:7071";
    public const string HostJsonSetting = "LocalHost:HostJson";
    public const string QueueLeaseSetting = "LocalHost:QueueLease";

    /// <summary>Overrides host.json's <c>maxPollingInterval</c> for this host (tests poll idle queues every second).</summary>
    public const string MaxPollingIntervalSetting = "LocalHost:MaxPollingInterval";

    /// <summary>
    /// Overrides the first wait after an empty poll (Functions' 100 ms), which doubles up to <see cref="MaxPollingIntervalSetting"/>,
    /// for this host: set to the longest as well, an idle queue is polled once and then only at that interval (a test shows that
    /// the hub's own messages wake its listeners, <see cref="StationHub.Platform.Storage.QueueSends"/>, without a poll).
    /// </summary>
    public const string MinPollingIntervalSetting = "LocalHost:MinPollingInterval";

    /// <summary>Overrides host.json's <c>visibilityTimeout</c> for this host (a test of five failed tries need not wait 20 s for them).</summary>
    public const string VisibilityTimeoutSetting = "LocalHost:VisibilityTimeout";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <param name="args">Command-line arguments (as for any ASP.NET Core host).</param>
    /// <param name="overrides">Settings that win over every other source (tests use them).</param>
    /// <param name="readLocalSettings">False to ignore local.settings.json and its sample.</param>
    /// <param name="clock">TEST ONLY: the clock the hub runs on instead of the system's (tests in the same process pass a <see cref="ShiftedClock"/>).</param>
    /// <param name="configureLogging">TEST ONLY: extra log providers (a test keeps the hub's warnings for its failure message).</param>
    public static WebApplication Build(
        string[] args,
        IEnumerable<KeyValuePair<string, string?>>? overrides = null,
        bool readLocalSettings = true,
        TimeProvider? clock = null,
        Action<ILoggingBuilder>? configureLogging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
        var settingsFile = readLocalSettings ? LocalSettings.Find(builder.Environment.ContentRootPath, AppContext.BaseDirectory) : null;
        var sources = builder.Configuration.Sources.ToList();
        builder.Configuration.Sources.Clear();
        if (settingsFile is not null)
        {
            builder.Configuration.AddInMemoryCollection(LocalSettings.Read(settingsFile));
        }

        foreach (var source in sources)
        {
            builder.Configuration.Sources.Add(source);
        }

        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            // Like func start; the sandbox receivers, when on, answer on their own address too.
            builder.WebHost.UseUrls(builder.Configuration.GetValue<bool>(SandboxReceivers.EnabledSetting) ? [DefaultUrl, SandboxReceivers.DefaultUrl] : [DefaultUrl]);
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Logging.AddHubLogFilters();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
            console.UseUtcTimestamp = true;
        });

        var hostJson = builder.Configuration[HostJsonSetting] ?? FindHostJson(builder.Environment.ContentRootPath);
        var queueSettings = HostJson.ReadQueueSettings(hostJson);
        if (Duration(builder.Configuration, QueueLeaseSetting) is { } lease)
        {
            queueSettings = queueSettings with { MessageLease = lease };
        }

        if (Duration(builder.Configuration, MaxPollingIntervalSetting) is { } polling)
        {
            queueSettings = queueSettings with { MaxPollingInterval = polling };
        }

        if (Duration(builder.Configuration, MinPollingIntervalSetting) is { } first)
        {
            queueSettings = first > TimeSpan.Zero && first <= queueSettings.MaxPollingInterval
                ? queueSettings with { MinPollingInterval = first }
                : throw new InvalidOperationException($"{MinPollingIntervalSetting} is {first}; it must be more than zero and at most the longest interval, {queueSettings.MaxPollingInterval} (hh:mm:ss).");
        }

        if (Duration(builder.Configuration, VisibilityTimeoutSetting) is { } visibility)
        {
            queueSettings = queueSettings with { VisibilityTimeout = visibility };
        }

        configureLogging?.Invoke(builder.Logging);
        builder.Services.AddStationHub(builder.Configuration);
        var testHooks = builder.Configuration.GetValue<bool>(TestHooks.EnabledSetting);
        if (clock is null && testHooks)
        {
            // TEST ONLY (LocalHost:TestHooks): a clock the test can move over POST /admin/test/clock.
            clock = new ShiftedClock(builder.Configuration.GetValue<TimeSpan>(TestHooks.ClockOffsetSetting));
        }

        if (clock is not null)
        {
            builder.Services.AddSingleton<TimeProvider>(new HubClock(clock));
            if (clock is ShiftedClock shifted)
            {
                builder.Services.AddSingleton(shifted);
            }
        }

        builder.Services.AddSingleton<HubActivity>();

        // The hub's spans always (so trace context flows from intake to every outbound call), and its
        // storage request count (stationhub.storage.requests); exported only when
        // OTEL_EXPORTER_OTLP_ENDPOINT is set.
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("StationHub.LocalHost"))
            .WithTracing(tracing => tracing.AddSource(HubTelemetry.SourceName))
            .WithMetrics(metrics => metrics.AddMeter(StorageRequestMetrics.MeterName));
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]))
        {
            telemetry.UseOtlpExporter();
        }

        builder.Services.AddSingleton(queueSettings);
        builder.Services.AddSingleton<TriggerRuntime>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TriggerRuntime>());
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = QueueTriggerListener.ShutdownGrace + TimeSpan.FromSeconds(5));

        var app = builder.Build();
        // A function turned off by its app setting is not served, as on the Functions host (its route is a 404).
        foreach (var function in HubTriggers.Http.Where(function => !function.IsDisabled(name => app.Configuration[name])))
        {
            app.MapMethods("/" + function.Route, function.Methods, context => function.RunAsync(context.RequestServices, context)).WithName(function.Name);
        }

        // The Functions host's "run a non-HTTP function now", for timers and queue functions.
        app.MapPost("/admin/functions/{name}", (string name, HttpContext context, TriggerRuntime runtime) => runtime.RunNowAsync(context, name));
        if (testHooks)
        {
            TestHooks.Map(app);
        }

        if (app.Configuration.GetValue<bool>(SandboxReceivers.EnabledSetting))
        {
            SandboxReceivers.Map(app);
        }

        return app;
    }

    /// <summary>A duration among the settings (host.json's form, <c>hh:mm:ss</c>), or null when it is not set; a negative one stops the host, named.</summary>
    private static TimeSpan? Duration(IConfiguration configuration, string setting)
    {
        var value = configuration.GetValue<TimeSpan?>(setting);
        return value < TimeSpan.Zero ? throw new InvalidOperationException($"{setting} is {value}; it must be zero or more (hh:mm:ss).") : value;
    }

    private static string FindHostJson(string contentRoot)
    {
        foreach (var folder in new[] { contentRoot, AppContext.BaseDirectory })
        {
            var path = Path.Combine(folder, HostJson.FileName);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException("host.json was not found next to the host or in the working folder; set LocalHost:HostJson.");
    }
}
