using StationHub.LocalHost.Delivery;
using StationHub.LocalHost.HazardReports;
using StationHub.LocalHost.Ledger;
using StationHub.LocalHost.PickupOrders;
using StationHub.LocalHost.Points;
using StationHub.LocalHost.Sandbox;
using StationHub.Platform;

namespace StationHub.LocalHost.Hosting;

/// <summary>
/// Builds the local host: settings from local.settings.json (or the sample), the hub's
/// services, the trigger table of every flow, and Kestrel on 127.0.0.1:7071 like <c>func start</c>.
/// </summary>
public static class HubHost
{
    public const string DefaultUrl = "http://127.0.0.1:7071";
    public const string HostJsonSetting = "LocalHost:HostJson";
    public const string QueueLeaseSetting = "LocalHost:QueueLease";

    /// <param name="args">Command-line arguments (as for any ASP.NET Core host).</param>
    /// <param name="overrides">Settings that win over every other source (tests use them).</param>
    /// <param name="readLocalSettings">False to ignore local.settings.json and its sample.</param>
    public static WebApplication Build(string[] args, IEnumerable<KeyValuePair<string, string?>>? overrides = null, bool readLocalSettings = true)
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
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        // Framework chatter stays at Warning unless settings ask for more (Logging:LogLevel:...).
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
            console.UseUtcTimestamp = true;
        });

        var hostJson = builder.Configuration[HostJsonSetting] ?? FindHostJson(builder.Environment.ContentRootPath);
        var queueSettings = HostJson.ReadQueueSettings(hostJson);
        if (builder.Configuration.GetValue<TimeSpan?>(QueueLeaseSetting) is { } lease)
        {
            queueSettings = queueSettings with { MessageLease = lease };
        }

        var table = new LocalTriggerTable();
        HazardReportFunctions.Register(table);
        PickupOrderFunctions.Register(table);
        PointsFunctions.Register(table);
        LedgerFunctions.Register(table);
        DeliveryFunctions.Register(table);

        builder.Services.AddStationHub(builder.Configuration);
        builder.Services.AddSingleton(table);
        builder.Services.AddSingleton(queueSettings);
        builder.Services.AddHostedService<TriggerRuntime>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = QueueTriggerListener.ShutdownGrace + TimeSpan.FromSeconds(5));

        var app = builder.Build();
        app.UseHubErrors();
        HazardReportFunctions.Map(app, table);
        PickupOrderFunctions.Map(app, table);
        PointsFunctions.Map(app, table);
        LedgerFunctions.Map(app, table);
        DeliveryFunctions.Map(app, table);
        if (app.Configuration.GetValue<bool>(SandboxReceivers.EnabledSetting))
        {
            SandboxReceivers.Map(app);
        }

        return app;
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
