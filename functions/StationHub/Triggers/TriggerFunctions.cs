using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Platform.Http;
using StationHub.Platform.Security;
using StationHub.Platform.Webhooks;

namespace StationHub.Triggers;

// The rows of the trigger table: each flow declares its functions once, as typed rows (name,
// binding, handler), in its own *Triggers class; HubTriggers gathers them. The local host maps
// the rows as they are; the Functions app has one attribute-bound method per row that calls the
// row, because the worker's source generator needs attributes (a test ties each method to its row).

/// <summary>One function of the trigger table.</summary>
public abstract record TriggerFunction(string Name)
{
    /// <summary>
    /// The app setting that turns this function off (<c>AzureWebJobs.{name}.Disabled</c>, read as
    /// <see cref="TurnsOff"/> says), as the Functions host reads it; the local host reads the same setting.
    /// </summary>
    public string DisabledSetting => DisabledSettingOf(Name);

    /// <summary>Whether the settings (looked up by name) turn this function off.</summary>
    public bool IsDisabled(Func<string, string?> setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return TurnsOff(setting(DisabledSetting));
    }

    public static string DisabledSettingOf(string name) => $"AzureWebJobs.{name}.Disabled";

    /// <summary>Whether a value of <see cref="DisabledSetting"/> turns the function off: "true" (any case) or "1", as the Functions host reads it; any other value, or none, leaves it on.</summary>
    public static bool TurnsOff(string? value) => value == "1" || (bool.TryParse(value, out var off) && off);
}

/// <summary>Handles an HTTP request with services from the host.</summary>
public delegate Task<HubResponse> HttpHandler(IServiceProvider services, HubRequest request, CancellationToken cancellationToken);

/// <summary>
/// Handles one queue message (its decoded body) with services from the host. <c>dequeueCount</c> is how
/// many times the queue has handed this message out, this time included (1 the first time; 0 when not
/// known, as for a run-now of the function): a handler may skip a guard against its own earlier run on 1.
/// </summary>
public delegate Task QueueHandler(IServiceProvider services, BinaryData message, long dequeueCount, CancellationToken cancellationToken);

/// <summary>Runs a timer function's occurrence with services from the host.</summary>
public delegate Task TimerHandler(IServiceProvider services, CancellationToken cancellationToken);

/// <summary>
/// An HTTP-triggered function: the methods it answers, its route from the host's root, and who may
/// call it (<see cref="Caller"/>, checked by the runner before the handler). A GET answers HEAD too.
/// </summary>
public sealed record HttpFunction(string Name, IReadOnlyList<string> Methods, string Route, HttpHandler Handler, Caller Caller) : TriggerFunction(Name)
{
    private readonly TemplateMatcher matcher = new(TemplateParser.Parse(Route), new RouteValueDictionary());

    /// <summary>
    /// The largest body the route reads (64 KiB unless the row says more, at most
    /// <see cref="RequestBody.MaxRouteBytes"/>); a longer one is not read and the handler answers 413.
    /// Enforced by the one runner both hosts use (<see cref="HttpFunctionRunner"/>).
    /// </summary>
    public int MaxBodyBytes
    {
        get => maxBodyBytes;
        init => maxBodyBytes = value is > 0 and <= RequestBody.MaxRouteBytes ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"A route's body limit is 1 to {RequestBody.MaxRouteBytes} bytes.");
    }

    private readonly int maxBodyBytes = RequestBody.MaxBytes;

    /// <summary>
    /// How long a request that changes something may spend on storage before it is answered 503
    /// (<see cref="Platform.Storage.RequestDeadline"/>): 4 s unless the row says more (a bulk import).
    /// </summary>
    public TimeSpan Deadline { get; init; } = Platform.Storage.RequestDeadline.Budget;

    public static HttpFunction Get<THandler>(string name, string route, Caller caller, Func<THandler, HubRequest, CancellationToken, Task<HubResponse>> handle)
        where THandler : notnull => Create(name, ["GET", "HEAD"], route, caller, handle);

    public static HttpFunction Post<THandler>(string name, string route, Caller caller, Func<THandler, HubRequest, CancellationToken, Task<HubResponse>> handle)
        where THandler : notnull => Create(name, ["POST"], route, caller, handle);

    public static HttpFunction Put<THandler>(string name, string route, Caller caller, Func<THandler, HubRequest, CancellationToken, Task<HubResponse>> handle)
        where THandler : notnull => Create(name, ["PUT"], route, caller, handle);

    public static HttpFunction Delete<THandler>(string name, string route, Caller caller, Func<THandler, HubRequest, CancellationToken, Task<HubResponse>> handle)
        where THandler : notnull => Create(name, ["DELETE"], route, caller, handle);

    /// <summary>
    /// A platform webhook route: a POST signed by the platform, run through the one intake
    /// (<see cref="SignedIntake"/>: verify, parse, claim the webhook-id, accept) with the route's own parts.
    /// </summary>
    public static HttpFunction Webhook<TRoute>(string name, string route)
        where TRoute : IWebhookRoute =>
        new(name, ["POST"], route, (services, request, cancellationToken) =>
            services.GetRequiredService<SignedIntake>().RunAsync(services.GetRequiredService<TRoute>(), request, cancellationToken), Caller.PlatformSignature);

    /// <summary>The route's values in <paramref name="path"/> (no leading slash), or null when it does not match.</summary>
    public IReadOnlyDictionary<string, string?>? MatchRoute(string path)
    {
        var values = new RouteValueDictionary();
        if (!matcher.TryMatch("/" + path.TrimStart('/'), values))
        {
            return null;
        }

        return values.ToDictionary(pair => pair.Key, pair => pair.Value?.ToString(), StringComparer.OrdinalIgnoreCase);
    }

    private static HttpFunction Create<THandler>(string name, IReadOnlyList<string> methods, string route, Caller caller, Func<THandler, HubRequest, CancellationToken, Task<HubResponse>> handle)
        where THandler : notnull =>
        new(name, methods, route, (services, request, cancellationToken) => handle(services.GetRequiredService<THandler>(), request, cancellationToken), caller);
}

/// <summary>A queue-triggered function: the queue it reads (on <see cref="Connections.Storage"/>).</summary>
public sealed record QueueFunction(string Name, string Queue, QueueHandler Handler) : TriggerFunction(Name)
{
    public static QueueFunction For<THandler>(string name, string queue, Func<THandler, BinaryData, CancellationToken, Task> handle)
        where THandler : notnull =>
        new(name, queue, (services, message, _, cancellationToken) => handle(services.GetRequiredService<THandler>(), message, cancellationToken));

    /// <summary>A handler that is told the message's dequeue count (see <see cref="QueueHandler"/>).</summary>
    public static QueueFunction For<THandler>(string name, string queue, Func<THandler, BinaryData, long, CancellationToken, Task> handle)
        where THandler : notnull =>
        new(name, queue, (services, message, dequeueCount, cancellationToken) => handle(services.GetRequiredService<THandler>(), message, dequeueCount, cancellationToken));
}

/// <summary>A timer-triggered function: its six-field NCRONTAB schedule (UTC).</summary>
public sealed record TimerFunction(string Name, string Schedule, TimerHandler Handler) : TriggerFunction(Name)
{
    public static TimerFunction For<THandler>(string name, string schedule, Func<THandler, CancellationToken, Task> run)
        where THandler : notnull =>
        new(name, schedule, (services, cancellationToken) => run(services.GetRequiredService<THandler>(), cancellationToken));
}
