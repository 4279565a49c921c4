using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using StationHub.LocalHost.Hosting;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// The local host, started in the test process on a free port over the test's storage and
/// registry, driven over real HTTP.
/// </summary>
public sealed class TestHub : IAsyncDisposable
{
    private readonly WebApplication app;

    private TestHub(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => app.Services;

    public static async Task<TestHub> StartAsync(IDictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>(settings) { ["urls"] = Loopback.AnyPort };
        var app = HubHost.Build([], all, readLocalSettings: false);
        await app.StartAsync();
        return new TestHub(app, Loopback.AddressOf(app));
    }

    public T Get<T>()
        where T : notnull => app.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
