using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace StationHub.Testing;

/// <summary>What a receiver got: one HTTP request.</summary>
public sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset At)
{
    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : string.Empty;

    public string WebhookId => Header("webhook-id");

    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>How a receiver answers one request.</summary>
public sealed record Reply(int Status, TimeSpan Delay = default, string? RetryAfter = null);

/// <summary>
/// A real HTTP listener (Kestrel on a free loopback port) standing in for a city system or a
/// platform: records every request with its arrival time, answers as the test says (status, delay, Retry-After).
/// </summary>
public sealed class TestReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<Received> received = new();
    private Func<int, Reply> reply = _ => new Reply(204);
    private int count;

    private TestReceiver(WebApplication app) => this.app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyList<Received> All => [.. received];

    public static async Task<TestReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Loopback.AnyPort);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new TestReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseAddress = Loopback.AddressOf(app);
        return receiver;
    }

    public Uri Url(string path) => new(BaseAddress, path);

    /// <summary>Sets how the n-th request (0-based) is answered from now on.</summary>
    public void AnswerWith(Func<int, Reply> answer) => reply = answer;

    /// <summary>How many requests have arrived so far, answered or not (still held by a delay, say).</summary>
    public int Arrived => Volatile.Read(ref count);

    public async Task<IReadOnlyList<Received>> WaitForAsync(Func<IReadOnlyList<Received>, bool> done, TimeSpan? timeout = null)
    {
        IReadOnlyList<Received> all = [];
        await UntilAsync(() => done(all = All), timeout, () => $"it has {All.Count} requests: {string.Join(", ", All.Select(Describe))}");
        return all;
    }

    /// <summary>Waits until at least <paramref name="requests"/> requests have arrived (to act while they are held).</summary>
    public Task WaitForArrivalsAsync(int requests, TimeSpan? timeout = null) =>
        UntilAsync(() => Arrived >= requests, timeout, () => $"{Arrived} of {requests} requests arrived");

    private async Task UntilAsync(Func<bool> done, TimeSpan? timeout, Func<string> state)
    {
        // A ceiling, not a pace: the wait ends as soon as the condition holds. Generous, because the
        // whole suite shares one single-threaded storage emulator on two cores.
        var started = Stopwatch.GetTimestamp();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        while (Stopwatch.GetElapsedTime(started) < limit)
        {
            if (done())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The receiver at {BaseAddress} did not get what was expected; {state()}.");
    }

    private static string Describe(Received received)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(received.Body);
            return $"{received.Path} {document.RootElement.GetProperty("type").GetString()} ({received.WebhookId})";
        }
        catch (Exception exception) when (exception is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return received.Path;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var n = Interlocked.Increment(ref count) - 1;
        var answer = reply(n);
        if (answer.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(answer.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (answer.Status is >= 200 and < 300)
        {
            received.Enqueue(new Received(context.Request.Path.Value ?? "/", headers, buffer.ToArray(), TimeProvider.System.GetUtcNow()));
        }

        if (answer.RetryAfter is not null)
        {
            context.Response.Headers.RetryAfter = answer.RetryAfter;
        }

        context.Response.StatusCode = answer.Status;
    }
}
