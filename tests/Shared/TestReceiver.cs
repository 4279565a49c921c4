using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
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
/// A city system or a platform standing in at an address of its own (<c>http://127.0.0.1:{port}/{receiver}/</c>) on
/// the test process's one receiving server (Kestrel on a loopback port it bound itself): records every request with
/// its arrival time and its path below that address, and answers as the test says (status, delay, Retry-After).
/// One server for all: a world stands up four receivers, and a Kestrel of their own each cost the test host about
/// 35 ms of CPU more per world (its start, its end; measured over 12 worlds, 2026-12-06). A request for a receiver
/// that is gone (disposed) has its connection dropped, as a closed port would.
/// </summary>
public sealed class TestReceiver : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<string, TestReceiver> Running = new(StringComparer.Ordinal);
    private static readonly Lazy<Task<Uri>> Server = new(StartServerAsync);
    private static int started;
    private readonly string name;
    private readonly ConcurrentQueue<Received> received = new();
    private Func<int, Reply> reply = _ => new Reply(204);
    private int count;

    private TestReceiver(string name, Uri baseAddress)
    {
        this.name = name;
        BaseAddress = baseAddress;
    }

    /// <summary>The receiver's own address, with a trailing slash: paths below it are what <see cref="Received.Path"/> records.</summary>
    public Uri BaseAddress { get; }

    public IReadOnlyList<Received> All => [.. received];

    public static async Task<TestReceiver> StartAsync()
    {
        var server = await Server.Value;
        var name = "r" + Interlocked.Increment(ref started).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var receiver = new TestReceiver(name, new Uri(server, name + "/"));
        Running[name] = receiver;
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

    public ValueTask DisposeAsync()
    {
        Running.TryRemove(name, out _);
        return ValueTask.CompletedTask;
    }

    private static async Task<Uri> StartServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Loopback.AnyPort);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(DispatchAsync);
        await app.StartAsync();
        return Loopback.AddressOf(app);
    }

    /// <summary>Hands <c>/{receiver}/{path}</c> to that receiver as <c>/{path}</c>.</summary>
    private static Task DispatchAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var slash = path.IndexOf('/', 1);
        var name = slash < 0 ? path.TrimStart('/') : path[1..slash];
        if (!Running.TryGetValue(name, out var receiver))
        {
            context.Abort();
            return Task.CompletedTask;
        }

        return receiver.HandleAsync(context, slash < 0 ? "/" : path[slash..]);
    }

    private async Task HandleAsync(HttpContext context, string path)
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
            received.Enqueue(new Received(path, headers, buffer.ToArray(), TimeProvider.System.GetUtcNow()));
        }

        if (answer.RetryAfter is not null)
        {
            context.Response.Headers.RetryAfter = answer.RetryAfter;
        }

        context.Response.StatusCode = answer.Status;
    }
}
