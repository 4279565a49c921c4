using System.Diagnostics;

namespace StationHub.Platform.Telemetry;

/// <summary>
/// The hub's spans: one trace per item, from the intake request (its W3C <c>traceparent</c> honoured,
/// or a new trace) through every queue function (the context rides in each message,
/// <see cref="QueueTrace"/>) to every outbound call (which sends <c>traceparent</c>). Plain
/// <see cref="ActivitySource"/>: the hosts subscribe with OpenTelemetry and choose the exporters.
/// </summary>
public static class HubTelemetry
{
    public const string SourceName = "StationHub";

    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    public static ActivitySource Source { get; } = new(SourceName, "1.0");

    /// <summary>
    /// The span of an HTTP function. A valid <c>traceparent</c> is its parent (unless the host's own
    /// request span already carries that trace); without one, the host's span is its parent when the
    /// host records it (the Functions host's invocation), and otherwise a new trace starts: ASP.NET
    /// Core's own request activity, which nothing samples on the local host, would make every span of
    /// the item "not sampled", so none would be exported.
    /// </summary>
    public static Activity? StartRequest(string function, string method, string? traceParent, string? traceState)
    {
        var parent = Parse(traceParent, traceState);
        if (parent is null)
        {
            LeaveUnrecordedContext();
        }

        var activity = parent is { } remote && Activity.Current?.TraceId != remote.TraceId
            ? Source.StartActivity(function, ActivityKind.Server, remote)
            : Source.StartActivity(function, ActivityKind.Server);
        activity?.SetTag("http.request.method", method);
        activity?.SetTag("faas.trigger", "http");
        return activity;
    }

    /// <summary>The span of a queue function's run, child of the context its message carries (a new trace when it carries none).</summary>
    public static Activity? StartQueueMessage(string function, string queue, string? traceParent, string? traceState)
    {
        var parent = Parse(traceParent, traceState);
        if (parent is null)
        {
            LeaveUnrecordedContext();
        }

        var activity = parent is { } carried
            ? Source.StartActivity(function, ActivityKind.Consumer, carried)
            : Source.StartActivity(function, ActivityKind.Consumer, parentContext: default);
        activity?.SetTag("messaging.system", "azure_queue");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag("faas.trigger", "pubsub");
        return activity;
    }

    /// <summary>The span of a timer function's occurrence: a new trace (or, in the Functions app, a child of the host's invocation).</summary>
    public static Activity? StartTimer(string function, string schedule)
    {
        LeaveUnrecordedContext();
        var activity = Source.StartActivity(function, ActivityKind.Internal);
        activity?.SetTag("faas.trigger", "timer");
        activity?.SetTag("faas.cron", schedule);
        return activity;
    }

    /// <summary>
    /// Clears an ambient activity that nothing records (ASP.NET Core's request activity on the local host,
    /// also around a run-now), so the next span starts a trace of its own instead of inheriting "not sampled".
    /// </summary>
    private static void LeaveUnrecordedContext()
    {
        if (Activity.Current is { Recorded: false })
        {
            Activity.Current = null;
        }
    }

    /// <summary>The span of one outbound call.</summary>
    public static Activity? StartOutbound(string destination, string eventType)
    {
        var activity = Source.StartActivity("deliver " + eventType, ActivityKind.Client);
        activity?.SetTag("stationhub.destination", destination);
        activity?.SetTag("stationhub.event_type", eventType);
        return activity;
    }

    /// <summary>Adds <c>traceparent</c> (and <c>tracestate</c>) of the current span to an outbound request.</summary>
    public static void Inject(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            request.Headers.Remove(TraceParentHeader);
            request.Headers.TryAddWithoutValidation(TraceParentHeader, current.Id);
            if (!string.IsNullOrEmpty(current.TraceStateString))
            {
                request.Headers.Remove(TraceStateHeader);
                request.Headers.TryAddWithoutValidation(TraceStateHeader, current.TraceStateString);
            }
        }
    }

    /// <summary>A W3C trace context, or null when <paramref name="traceParent"/> is missing or malformed.</summary>
    public static ActivityContext? Parse(string? traceParent, string? traceState)
    {
        if (string.IsNullOrEmpty(traceParent) || traceParent.Length > 128
            || !ActivityContext.TryParse(traceParent, traceState is { Length: <= 512 } ? traceState : null, isRemote: true, out var context)
            || context.TraceId == default)
        {
            return null;
        }

        return context;
    }
}
