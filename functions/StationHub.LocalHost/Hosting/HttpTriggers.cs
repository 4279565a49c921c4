using StationHub.Platform.Http;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.LocalHost.Hosting;

/// <summary>
/// Maps HTTP-triggered functions under <c>/api</c>: each turns the ASP.NET request into a
/// <see cref="HubRequest"/>, calls its handler and copies the <see cref="HubResponse"/> back.
/// </summary>
public static partial class HttpTriggers
{
    public static void MapFunction(
        this IEndpointRouteBuilder app,
        LocalTriggerTable table,
        string name,
        string method,
        string route,
        Func<IServiceProvider, HubRequest, CancellationToken, Task<HubResponse>> handler)
    {
        table.Http.Add(new HttpFunction(name, method, route));
        app.MapMethods("/" + route, [method], async context =>
        {
            var request = await ToHubRequestAsync(context);
            var response = await handler(context.RequestServices, request, context.RequestAborted);
            await WriteAsync(context, response);
        }).WithName(name);
    }

    public static async Task<HubRequest> ToHubRequestAsync(HttpContext context)
    {
        byte[]? body = [];
        if (HttpMethods.IsPost(context.Request.Method) || HttpMethods.IsPut(context.Request.Method))
        {
            body = await RequestBody.ReadAsync(context.Request.Body, context.Request.ContentLength, context.RequestAborted);
        }

        var routeValues = context.Request.RouteValues.ToDictionary(pair => pair.Key, pair => pair.Value?.ToString(), StringComparer.OrdinalIgnoreCase);
        return new HubRequest(
            context.Request.Method,
            routeValues,
            name => context.Request.Headers.TryGetValue(name, out var values) ? values.ToString() : null,
            name => context.Request.Query.TryGetValue(name, out var values) ? values.ToString() : null,
            body ?? ReadOnlyMemory<byte>.Empty,
            context.Request.ContentType,
            bodyTooLarge: body is null);
    }

    public static async Task WriteAsync(HttpContext context, HubResponse response)
    {
        context.Response.StatusCode = response.Status;
        if (response.Headers is not null)
        {
            foreach (var (key, value) in response.Headers)
            {
                context.Response.Headers[key] = value;
            }
        }

        if (response.ContentType is not null)
        {
            context.Response.ContentType = response.ContentType;
        }

        context.Response.ContentLength = response.Body.Length;
        if (!response.Body.IsEmpty)
        {
            await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
        }
    }

    /// <summary>
    /// Turns a failure no handler expected into problem+json without a stack trace: 503 with
    /// Retry-After when storage cannot be reached (nothing was accepted; retry), 500 otherwise.
    /// </summary>
    public static IApplicationBuilder UseHubErrors(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception exception) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("StationHub.Http");
                var unavailable = HubStorage.IsUnreachable(exception);
                Log.RequestFailed(logger, exception, context.Request.Method, context.Request.Path.Value);
                context.Response.Clear();
                await WriteAsync(context, HubResponse.Problem(unavailable ? Problem.Unavailable("Storage is not reachable.") : Problem.Internal()));
            }
        });

    private static partial class Log
    {
        [LoggerMessage(EventId = 9301, Level = LogLevel.Error, Message = "Request {Method} {Path} failed")]
        public static partial void RequestFailed(ILogger logger, Exception exception, string method, string? path);
    }
}
