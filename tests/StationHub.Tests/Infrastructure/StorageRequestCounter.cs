using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Platform.Telemetry;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// Listens to one in-process hub's <c>stationhub.storage.requests</c> (its own meter factory, so the
/// hubs of other tests in the process are not counted) and keeps every request it reports.
/// </summary>
public sealed class StorageRequestCounter : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<StorageRequest> requests = new();

    public StorageRequestCounter(params TestHub[] hubs)
    {
        var meters = hubs.Select(hub => hub.Get<StorageRequestMetrics>().Meter).ToHashSet();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == StorageRequestMetrics.RequestsName && meters.Contains(instrument.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string service = "", operation = "", resource = "", function = "";
            var status = 0;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case StorageRequestMetrics.ServiceTag: service = (string)tag.Value!; break;
                    case StorageRequestMetrics.OperationTag: operation = (string)tag.Value!; break;
                    case StorageRequestMetrics.ResourceTag: resource = (string)tag.Value!; break;
                    case StorageRequestMetrics.FunctionTag: function = (string)tag.Value!; break;
                    case StorageRequestMetrics.StatusTag: status = (int)tag.Value!; break;
                }
            }

            for (var i = 0; i < value; i++)
            {
                requests.Enqueue(new StorageRequest(function, service, operation, resource, status));
            }
        });
        listener.Start();
    }

    public IReadOnlyList<StorageRequest> Requests => [.. requests];

    /// <summary>The requests made for these functions, idle polls left out.</summary>
    public IReadOnlyList<StorageRequest> Of(params string[] functions) =>
        [.. requests.Where(r => functions.Contains(r.Function, StringComparer.Ordinal) && r.Operation != "poll")];

    public void Clear() => requests.Clear();

    public void Dispose() => listener.Dispose();
}

public sealed record StorageRequest(string Function, string Service, string Operation, string Resource, int Status)
{
    public override string ToString() => $"{Function}: {Service} {Operation} {Resource} → {Status}";
}
