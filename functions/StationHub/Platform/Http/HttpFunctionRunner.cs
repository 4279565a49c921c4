using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Platform.Telemetry;
using StationHub.Triggers;

namespace StationHub.Platform.Http;

/// <summary>
/// Runs an HTTP function of the trigger table on an ASP.NET Core request, the same way on both
/// hosts (the local host's Kestrel and the Functions app's ASP.NET Core integration): reads the
/// body up to the limit whether or not it came with a Content-Length (chunked bodies included),
/// takes the route values from the row's own template, calls the handler and writes its answer.
/// A failure no handler expected becomes problem+json without a stack trace: 503 with
/// Retry-After when storage cannot be reached, 500 otherwise.
/// </summary>
public static partial class HttpFunctionRunner
{
    public static async Task RunAsync(this HttpFunction function, IServiceProvider services, HttpContext context)
    {
        using var activity = HubTelemetry.StartRequest(function.Name, context.Request.Method,
            context.Request.Headers[HubTelemetry.TraceParentHeader].FirstOrDefault(), context.Request.Headers[HubTelemetry.TraceStateHeader].FirstOrDefault());
        using var caller = StorageRequestMetrics.For(function.Name);
        HubResponse response;
        try
        {
            var request = await ReadAsync(function, context);

            // Who may call is the row's, checked here before any handler runs. A request that
            // changes something is answered within RequestDeadline.Budget: its storage calls share
            // one deadline, so a caller with a 10 s timeout hears a 503.
            response = function.Caller.Check(request, services.GetRequiredService<ApiKeys>())
                ?? (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
                    ? await function.Handler(services, request, context.RequestAborted)
                    : await services.GetRequiredService<RequestDeadline>().RunAsync(token => function.Handler(services, request, token), cancellationToken: context.RequestAborted, budget: function.Deadline));
        }
        catch (Exception exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            var unavailable = HubStorage.IsUnreachable(exception);
            Log.RequestFailed(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HttpFunctionRunner)), exception, function.Name, context.Request.Method);
            response = unavailable
                ? services.GetRequiredService<RequestDeadline>().Unavailable(exception, "Storage is not reachable; retry later with the same request (the same webhook-id, or the same Idempotency-Key).")
                : HubResponse.Problem(Problem.Internal());
        }

        activity?.SetTag("http.response.status_code", response.Status);
        await WriteAsync(context, response);
    }

    private static async Task<HubRequest> ReadAsync(HttpFunction function, HttpContext context)
    {
        var httpRequest = context.Request;
        byte[]? body = [];
        if (HttpMethods.IsPost(httpRequest.Method) || HttpMethods.IsPut(httpRequest.Method) || HttpMethods.IsPatch(httpRequest.Method))
        {
            body = await RequestBody.ReadAsync(httpRequest.Body, httpRequest.ContentLength, function.MaxBodyBytes, context.RequestAborted);
        }

        var path = httpRequest.Path.Value ?? "/";
        var routeValues = function.MatchRoute(path) ?? new Dictionary<string, string?>();

        // Copied, not read through: a request answered at its deadline leaves its cancelled work to unwind
        // behind the answer, and the host reuses the HttpContext for the next request.
        var headers = httpRequest.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var query = httpRequest.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new HubRequest(
            httpRequest.Method,
            routeValues,
            name => headers.GetValueOrDefault(name),
            name => query.GetValueOrDefault(name),
            body ?? ReadOnlyMemory<byte>.Empty,
            httpRequest.ContentType,
            bodyTooLarge: body is null,
            path: path,
            maxBodyBytes: function.MaxBodyBytes);
    }

    /// <summary>Writes a handler's answer onto the ASP.NET Core response (also for the hosts' own endpoints).</summary>
    public static async Task WriteAsync(HttpContext context, HubResponse response)
    {
        var answer = context.Response;
        answer.StatusCode = response.Status;
        if (response.Headers is not null)
        {
            foreach (var (key, value) in response.Headers)
            {
                answer.Headers[key] = value;
            }
        }

        if (response.ContentType is not null)
        {
            answer.ContentType = response.ContentType;
        }

        answer.ContentLength = response.Body.Length;
        if (!response.Body.IsEmpty && !HttpMethods.IsHead(context.Request.Method))
        {
            await answer.Body.WriteAsync(response.Body, context.RequestAborted);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9301, Level = LogLevel.Error, Message = "Function {Function}: request {Method} failed")]
        public static partial void RequestFailed(ILogger logger, Exception exception, string function, string method);
    }
}
