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
        var all = new Dictionary<string, string?>(settings) { ["urls"] = "http://127.0.0.1:0" };
        var app = HubHost.Build([], all, readLocalSettings: false);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new TestHub(app, new Uri(address + "/"));
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

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
