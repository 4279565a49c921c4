using StationHub.Platform.Http;
using Caller = StationHub.Platform.Security.Caller;

namespace StationHub.Triggers;

/// <summary>Every function the hub serves, gathered from the flows that declare them (<see cref="HubFlows"/>).</summary>
public static class HubTriggers
{
    /// <summary>
    /// Any path or method no other function serves: a problem+json 404 on both hosts (the Functions
    /// host would answer an empty 404, and the local host's router a 405, otherwise).
    /// </summary>
    public static HttpFunction RouteNotFound { get; } = new(
        FunctionNames.RouteNotFound,
        ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
        Routes.NotFound,
        (_, request, _) => Task.FromResult(HubResponse.Problem(Problem.NotFound($"Nothing is served at {request.Method} {request.Path}."))),
        Caller.Public);

    public static IReadOnlyList<TriggerFunction> All { get; } = [.. HubFlows.All.SelectMany(flow => flow.Functions), RouteNotFound];

    public static IEnumerable<HttpFunction> Http => All.OfType<HttpFunction>();

    public static IEnumerable<QueueFunction> Queue => All.OfType<QueueFunction>();

    public static IEnumerable<TimerFunction> Timer => All.OfType<TimerFunction>();

    /// <summary>The function of that name (case-insensitive, as the Functions host matches names), or null.</summary>
    public static TriggerFunction? Find(string name) =>
        All.FirstOrDefault(function => function.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
