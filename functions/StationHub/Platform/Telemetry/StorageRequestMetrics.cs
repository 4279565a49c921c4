using System.Diagnostics.Metrics;

namespace StationHub.Platform.Telemetry;

/// <summary>
/// The hub's count of its own storage requests: the OpenTelemetry metric
/// <c>stationhub.storage.requests</c> (a <see cref="Counter{T}"/> on the meter
/// <see cref="MeterName"/>, which both hosts export where their traces go). Every request the SDK
/// sends is one measurement, retries included (each is billed), tagged with
/// <list type="bullet">
/// <item><c>stationhub.storage.service</c>: <c>queue</c> or <c>table</c>;</item>
/// <item><c>stationhub.storage.operation</c>: <c>send</c>, <c>receive</c> (got messages), <c>poll</c> (got none), <c>peek</c>, <c>delete</c>, <c>update</c>,
/// <c>clear</c> (queues); <c>insert</c>, <c>point-read</c>, <c>query</c>, <c>update</c> (conditional replace or merge),
/// <c>upsert</c>, <c>delete</c>, <c>batch</c> (tables); <c>create</c>, <c>delete-queue</c>/<c>delete-table</c>,
/// <c>list</c>, <c>properties</c> (management);</item>
/// <item><c>stationhub.storage.resource</c>: the queue or table without the hub's prefix (a day's ledger table as <c>LedgerEntries{day}</c>);</item>
/// <item><c>stationhub.function</c>: the function the request was made for (<see cref="Caller"/>), or <c>host</c>;</item>
/// <item><c>http.response.status_code</c>.</item>
/// </list>
/// </summary>
public sealed class StorageRequestMetrics
{
    public const string MeterName = "StationHub";

    public const string RequestsName = "stationhub.storage.requests";

    public const string ServiceTag = "stationhub.storage.service";
    public const string OperationTag = "stationhub.storage.operation";
    public const string ResourceTag = "stationhub.storage.resource";
    public const string FunctionTag = "stationhub.function";
    public const string StatusTag = "http.response.status_code";

    /// <summary>The <see cref="OperationTag"/> of a queue receive that found nothing: an idle poll.</summary>
    public const string PollOperation = "poll";

    /// <summary>The <see cref="FunctionTag"/> of a request made outside any function (start-up, a host's own work).</summary>
    public const string HostCaller = "host";

    private static readonly AsyncLocal<string?> CurrentCaller = new();

    private readonly Counter<long> requests;

    public StorageRequestMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeterName, "1.0");
        requests = Meter.CreateCounter<long>(RequestsName, "{request}", "Storage requests the hub sent (each try counts), by service, operation, queue or table, and function.");
    }

    /// <summary>The meter (its <see cref="Meter.Scope"/> is the host's meter factory, so a listener can tell two hosts in one process apart).</summary>
    public Meter Meter { get; }

    /// <summary>The function whose storage requests are being made on this async flow (the runners set it), or null.</summary>
    public static string? Caller => CurrentCaller.Value;

    /// <summary>Marks the storage requests of this async flow, until the scope ends, as made for <paramref name="function"/>.</summary>
    public static CallerScope For(string function)
    {
        var previous = CurrentCaller.Value;
        CurrentCaller.Value = function;
        return new CallerScope(previous);
    }

    internal void Record(string service, string operation, string resource, int status)
    {
        if (!requests.Enabled)
        {
            return;
        }

        requests.Add(
            1,
            new KeyValuePair<string, object?>(ServiceTag, service),
            new KeyValuePair<string, object?>(OperationTag, operation),
            new KeyValuePair<string, object?>(ResourceTag, resource),
            new KeyValuePair<string, object?>(FunctionTag, Caller ?? HostCaller),
            new KeyValuePair<string, object?>(StatusTag, status));
    }

    /// <summary>Restores the previous caller when disposed.</summary>
    public readonly struct CallerScope(string? previous) : IDisposable
    {
        public void Dispose() => CurrentCaller.Value = previous;
    }
}
