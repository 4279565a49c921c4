using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Platform.Telemetry;

namespace StationHub.Testing;

/// <summary>
/// Listens to in-process hubs' <c>stationhub.storage.requests</c> (each hub's own meter factory, so
/// other hubs in the process are not counted) and keeps every request it reports. Shared by the
/// tests and the benchmark's costs part; a hub in another process cannot be counted this way.
/// </summary>
public sealed class StorageRequestCounter : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<StorageRequest> requests = new();

    public StorageRequestCounter(params IServiceProvider[] hubs)
    {
        var meters = hubs.Select(hub => hub.GetRequiredService<StorageRequestMetrics>().Meter).ToHashSet();
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
        [.. requests.Where(r => functions.Contains(r.Function, StringComparer.Ordinal) && r.Operation != StorageRequestMetrics.PollOperation)];

    public void Clear() => requests.Clear();

    public void Dispose() => listener.Dispose();
}

public sealed record StorageRequest(string Function, string Service, string Operation, string Resource, int Status)
{
    public override string ToString() => $"{Function}: {Service} {Operation} {Resource} → {Status}";
}
