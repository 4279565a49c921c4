using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StationHub.LocalHost.Hosting;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// The local host, started in the test process on a port of its own over the test's storage and
/// registry, driven over real HTTP, on the test's clock (<see cref="ShiftedClock"/>).
/// </summary>
public sealed class TestHub : IAsyncDisposable
{
    private readonly WebApplication app;
    private int disposed;

    private TestHub(WebApplication app, Uri baseAddress, Func<bool>? platformRetries)
    {
        this.app = app;
        Activity = app.Services.GetRequiredService<HubActivity>();
        BaseAddress = baseAddress;
        Client = platformRetries is null
            ? new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) }
            : new HttpClient(new PlatformRetries(platformRetries)) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(90) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>Its function runs (queue messages, timers, run-now): begun so far, and running now.</summary>
    public HubActivity Activity { get; }

    /// <param name="platformRetries">When given and true, <see cref="Client"/> sends a signed POST again after a 503, as a platform does (<see cref="PlatformRetries"/>).</param>
    public static async Task<TestHub> StartAsync(IDictionary<string, string?> settings, TimeProvider? clock = null, HubLog? log = null, Func<bool>? platformRetries = null)
    {
        var all = new Dictionary<string, string?>(settings) { ["urls"] = Loopback.AnyPort };
        Action<ILoggingBuilder>? logging = log is null ? null : builder => builder.AddProvider(log);
        var app = HubHost.Build([], all, readLocalSettings: false, clock, logging);
        await app.StartAsync();
        return new TestHub(app, Loopback.AddressOf(app), platformRetries);
    }

    /// <summary><c>POST /admin/functions/{name}</c> with an administrator's key, as an operator runs a function now.</summary>
    public async Task<HttpResponseMessage> RunNowAsync(string name, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"admin/functions/{name}") { Content = content ?? System.Net.Http.Json.JsonContent.Create(new { input = string.Empty }) };
        request.Headers.Add("x-api-key", TestRegistry.AdminKey);
        return await Client.SendAsync(request);
    }

    public T Get<T>()
        where T : notnull => app.Services.GetRequiredService<T>();

    /// <summary>Stops the host (work in flight finishes within its grace). Harmless when repeated.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
