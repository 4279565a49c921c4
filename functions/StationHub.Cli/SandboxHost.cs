using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Sandbox;

namespace StationHub.Cli;

/// <summary>
/// The sandbox city and platforms the sample registry points at: those of the local host when it
/// serves them, otherwise started here (for a hub that has none, such as the Functions app).
/// </summary>
internal static class SandboxHost
{
    /// <summary>Null when the sandbox already answers at <paramref name="url"/>; otherwise the one started here.</summary>
    public static async Task<WebApplication?> EnsureAsync(Uri url, IReadOnlyDictionary<string, string> settings, string settingsFolder)
    {
        using (var probe = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(3) })
        {
            try
            {
                using var answer = await probe.GetAsync("sandbox/inbox");
                if (answer.IsSuccessStatusCode)
                {
                    return null;
                }
            }
            catch (HttpRequestException)
            {
                // Nothing listens there: start our own below.
            }
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings.Select(pair => KeyValuePair.Create(pair.Key.Replace("__", ":", StringComparison.Ordinal), (string?)pair.Value)));
        builder.WebHost.UseUrls(url.GetLeftPart(UriPartial.Authority));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var registryPath = settings.GetValueOrDefault("Registry__Path") ?? "registry.sample.json";
        var candidates = new[] { Path.Combine(settingsFolder, registryPath), Path.Combine(settingsFolder, "functions", registryPath), Path.Combine(AppContext.BaseDirectory, registryPath) };
        var registry = RegistryLoader.Load(candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException($"The registry '{registryPath}' was not found next to the settings or the CLI."));
        builder.Services.AddSingleton(registry);
        builder.Services.AddSingleton(services => new HubSecrets(services.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton(TimeProvider.System);
        var app = builder.Build();
        SandboxReceivers.Map(app);
        await app.StartAsync();
        Console.WriteLine($"   (the sandbox city and platforms answer here, at {url}sandbox/...)");
        return app;
    }
}
