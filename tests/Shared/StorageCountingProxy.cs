using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace StationHub.Testing;

/// <summary>One storage request seen at the proxy: its service, its operation (named as the hub's own counter names them) and its queue or table.</summary>
public sealed record CountedRequest(string Service, string Operation, string Resource, int Status);

/// <summary>
/// A proxy in front of the emulator's three services (blob, queue, table) that counts every storage
/// request a hub sends, from outside the hub, so that any host is counted the same way: the Functions
/// host's own queue listener and its blob leases too, which the hub's in-process counter never sees
/// there. Each request goes on unchanged (the shared-key signature covers the method, the headers and
/// the path, not the host or port), and is classified as the hub's counter classifies its own: a queue
/// receive that got no message is a <c>poll</c>. A test can also hold the requests it names
/// (<see cref="Hold"/>): a host stopped at a chosen step, whatever the machine's speed.
/// </summary>
public sealed class StorageCountingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase) { "Host", "Content-Length", "Transfer-Encoding", "Connection", "Expect" };
    private readonly List<WebApplication> services = [];
    private readonly HttpClient client = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = System.Net.DecompressionMethods.None });
    private readonly ConcurrentQueue<CountedRequest> counted = new();
    private volatile Holding? holding;

    private StorageCountingProxy()
    {
    }

    /// <summary>The emulator's connection string with every endpoint on this proxy.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>Every request counted so far.</summary>
    public int Count => counted.Count;

    public static Task<StorageCountingProxy> StartAsync(AzuriteProcess azurite)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        return StartAsync(azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
    }

    /// <summary>A proxy in front of the emulator that <paramref name="connectionString"/> (its endpoints on 127.0.0.1) names.</summary>
    public static Task<StorageCountingProxy> StartAsync(string connectionString)
    {
        int PortOf(string endpoint) => int.Parse(
            Regex.Match(connectionString, endpoint + @"=http://127\.0\.0\.1:(\d+)/") is { Success: true } match
                ? match.Groups[1].Value
                : throw new ArgumentException($"The connection string has no {endpoint} on 127.0.0.1.", nameof(connectionString)),
            CultureInfo.InvariantCulture);
        return StartAsync(PortOf("BlobEndpoint"), PortOf("QueueEndpoint"), PortOf("TableEndpoint"));
    }

    private static async Task<StorageCountingProxy> StartAsync(int blobPort, int queuePort, int tablePort)
    {
        var proxy = new StorageCountingProxy();
        try
        {
            var blob = await proxy.ServeAsync("blob", blobPort);
            var queue = await proxy.ServeAsync("queue", queuePort);
            var table = await proxy.ServeAsync("table", tablePort);
            proxy.ConnectionString = AzuriteProcess.ConnectionStringFor(blob, queue, table);
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// From now on, holds every request of a service whose body <paramref name="when"/> picks (the service
    /// and the body as text): it never reaches the emulator (it is dropped when its client goes away, a
    /// killed host, or when the proxy is disposed). The task completes when the first is held.
    /// </summary>
    public Task Hold(Func<string, string, bool> when)
    {
        var next = new Holding(when);
        holding = next;
        return next.Arrived.Task;
    }

    /// <summary>The requests counted after the first <paramref name="skip"/> (a mark taken with <see cref="Count"/>).</summary>
    public IReadOnlyList<CountedRequest> Since(int skip) => [.. counted.Skip(skip)];

    public async ValueTask DisposeAsync()
    {
        // Requests still held are dropped, not sent.
        holding?.Dropped.TrySetCanceled();
        foreach (var service in services)
        {
            await service.StopAsync();
            await service.DisposeAsync();
        }

        client.Dispose();
    }

    /// <summary>
    /// How a request is counted: queue <c>send</c>, <c>receive</c>, <c>poll</c>, <c>peek</c>, <c>delete</c>,
    /// <c>update</c>, <c>clear</c>; table <c>insert</c>, <c>point-read</c>, <c>query</c>, <c>update</c> (with
    /// <c>If-Match</c>), <c>upsert</c>, <c>delete</c>, <c>batch</c>; anything else (creating a queue or table,
    /// properties, blob leases) by its service and method.
    /// </summary>
    public static CountedRequest Classify(string service, string method, string path, string query, bool ifMatch, int status, string responseBody)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(responseBody);

        // Path-style: /{account}/{resource}[/...]
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.Length > 1 ? segments[1] : string.Empty;
        var operation = service switch
        {
            "queue" when segments.Length >= 3 && segments[2] == "messages" => (method, segments.Length) switch
            {
                ("GET", 3) when query.Contains("peekonly=true", StringComparison.OrdinalIgnoreCase) => "peek",
                ("GET", 3) => responseBody.Contains("<QueueMessage>", StringComparison.Ordinal) ? "receive" : "poll",
                ("POST", 3) => "send",
                ("DELETE", 3) => "clear",
                ("DELETE", _) => "delete",
                ("PUT", _) => "update",
                _ => method.ToLowerInvariant(),
            },
            "table" => TableOperation(method, resource, ifMatch),
            _ => method.ToLowerInvariant(),
        };
        var name = service switch
        {
            "table" when resource.IndexOf('(', StringComparison.Ordinal) is var open and > 0 => resource[..open],

            // A blob by its container and its name's last part (the Functions host's locks: "host", "{function}.Listener").
            "blob" when segments.Length > 2 => resource + "/…/" + segments[^1],
            _ => resource,
        };
        return new CountedRequest(service, operation, name, status);
    }

    private static string TableOperation(string method, string resource, bool ifMatch)
    {
        var keyed = resource.Contains("PartitionKey=", StringComparison.Ordinal) && resource.Contains("RowKey=", StringComparison.Ordinal);
        return method switch
        {
            "POST" when resource == "$batch" => "batch",
            "POST" when resource == "Tables" => "create",
            "POST" => "insert",
            "GET" when keyed => "point-read",
            "GET" => "query",
            "PUT" or "MERGE" or "PATCH" => ifMatch ? "update" : "upsert",
            "DELETE" => "delete",
            _ => method.ToLowerInvariant(),
        };
    }

    private async Task<int> ServeAsync(string service, int targetPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(Loopback.AnyPort);
        var app = builder.Build();
        app.Run(context => ForwardAsync(context, service, targetPort));
        services.Add(app);
        await app.StartAsync();
        return Loopback.AddressOf(app).Port;
    }

    private async Task ForwardAsync(HttpContext context, string service, int targetPort)
    {
        var request = context.Request;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        if (holding is { } hold && hold.When(service, Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length)))
        {
            hold.Arrived.TrySetResult();
            try
            {
                await hold.Dropped.Task.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        // The target exactly as sent: the signature covers the path as the client encoded it, which a decoded path would change.
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri($"http://127.0.0.1:{targetPort}{target}", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        if (body.Length > 0 || request.ContentType is not null)
        {
            message.Content = new ByteArrayContent(body.ToArray());
        }

        foreach (var (name, values) in request.Headers)
        {
            if (!NotForwarded.Contains(name) && !message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, context.RequestAborted);
        var answer = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!NotForwarded.Contains(name) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        var queueAnswer = service == "queue" && request.Method == "GET" ? Encoding.UTF8.GetString(answer) : string.Empty;
        counted.Enqueue(Classify(service, request.Method, request.Path.Value ?? string.Empty, request.QueryString.Value ?? string.Empty, request.Headers.IfMatch.Count > 0, (int)response.StatusCode, queueAnswer));
        await context.Response.Body.WriteAsync(answer, context.RequestAborted);
    }

    private sealed record Holding(Func<string, string, bool> When)
    {
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Dropped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
