using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using StationHub.Platform.Telemetry;

namespace StationHub.Platform.Storage;

/// <summary>
/// The Azure SDK pipeline policy on every queue and table client of the hub: each request sent
/// (each try: it sits after the retry policy) is counted in <see cref="StorageRequestMetrics"/>,
/// classified from its method, path, query and <c>If-Match</c> alone (no body is read): a write
/// with <c>If-Match</c> (an ETag, or <c>*</c>) is an <c>update</c>, one without an <c>upsert</c>; a
/// receive that got no message is a <c>poll</c> (what an idle host pays for).
/// </summary>
internal sealed class StorageRequestCounting(StorageRequestMetrics metrics, string service, string prefix) : HttpPipelinePolicy
{
    public const string Queue = "queue";
    public const string Table = "table";

    private static readonly AsyncLocal<string?> CurrentBatchTable = new();

    /// <summary>The path of the queue service client's own URI (<c>/devstoreaccount1</c> on Azurite, empty in Azure); set once the client is built.</summary>
    public string ServicePath { get; set; } = string.Empty;

    /// <summary>
    /// Names the table of the entity-group transactions sent on this async flow (a transaction's URL is
    /// <c>/$batch</c>, and its body is not read here). <see cref="TableClientExtensions.SubmitBatchAsync"/> sets it.
    /// </summary>
    public static BatchScope ForBatch(string table)
    {
        var previous = CurrentBatchTable.Value;
        CurrentBatchTable.Value = table;
        return new BatchScope(previous);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            ProcessNext(message, pipeline);
        }
        finally
        {
            Count(message);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        finally
        {
            Count(message);
        }
    }

    private void Count(HttpMessage message)
    {
        var status = message.HasResponse ? message.Response.Status : 0;
        var request = message.Request;
        var conditional = request.Headers.Contains("If-Match");
        var (operation, resource) = Classify(service, request.Method, Path(request.Uri.Path), request.Uri.Query, conditional);
        if (operation == "receive" && status == 200 && IsEmptyReceive(message.Response))
        {
            operation = StorageRequestMetrics.PollOperation;
        }

        metrics.Record(service, operation, Normalize(resource), status);
    }

    // A receive that found nothing (the SDK has buffered the answer by now): an idle poll.
    private static bool IsEmptyReceive(Response response) =>
        response.ContentStream is MemoryStream buffered && buffered.TryGetBuffer(out var body)
        && body.AsSpan().IndexOf("<MessageId>"u8) < 0;

    private string Path(string path)
    {
        if (service == Table)
        {
            // A table request names one resource, the last segment (keys cannot hold '/').
            return Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        }

        var relative = ServicePath.Length > 0 && path.StartsWith(ServicePath, StringComparison.Ordinal) ? path[ServicePath.Length..] : path;
        return Uri.UnescapeDataString(relative.TrimStart('/'));
    }

    private string Normalize(string resource)
    {
        if (resource.Length == 0 || resource[0] == '(')
        {
            return resource;
        }

        var name = resource.StartsWith(prefix, StringComparison.Ordinal) ? resource[prefix.Length..] : resource;
        return name.StartsWith(Triggers.Tables.LedgerEntries, StringComparison.Ordinal)
            && name.Length > Triggers.Tables.LedgerEntries.Length
            && name.AsSpan(Triggers.Tables.LedgerEntries.Length).ContainsAnyExceptInRange('0', '9') is false
            ? Triggers.Tables.LedgerEntries + "{day}"
            : name;
    }

    /// <summary>The operation and the queue or table of a request (the name as sent, prefix included).</summary>
    internal static (string Operation, string Resource) Classify(string service, RequestMethod method, string path, string query, bool conditional) =>
        service == Queue ? ClassifyQueue(method, path, query) : ClassifyTable(method, path, conditional);

    private static (string, string) ClassifyQueue(RequestMethod method, string path, string query)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return (method == RequestMethod.Get && query.Contains("comp=list", StringComparison.Ordinal) ? "list" : "properties", "(service)");
        }

        var queue = parts[0];
        if (parts.Length == 1)
        {
            return (method.Method switch
            {
                "PUT" when query.Contains("comp=metadata", StringComparison.Ordinal) => "properties",
                "PUT" => "create",
                "DELETE" => "delete-queue",
                _ => "properties",
            }, queue);
        }

        if (parts.Length == 2)
        {
            return (method.Method switch
            {
                "POST" => "send",
                "GET" when query.Contains("peekonly=true", StringComparison.OrdinalIgnoreCase) => "peek",
                "GET" => "receive",
                "DELETE" => "clear",
                _ => "other",
            }, queue);
        }

        return (method.Method switch
        {
            "DELETE" => "delete",
            "PUT" => "update",
            _ => "other",
        }, queue);
    }

    private static (string, string) ClassifyTable(RequestMethod method, string path, bool conditional)
    {
        if (path.StartsWith("$batch", StringComparison.Ordinal))
        {
            return ("batch", CurrentBatchTable.Value ?? "(batch)");
        }

        var open = path.IndexOf('(', StringComparison.Ordinal);
        var table = open < 0 ? path : path[..open];
        var keys = open < 0 ? string.Empty : path[(open + 1)..].TrimEnd(')');
        if (table == "Tables")
        {
            var named = keys.Trim('\'');
            return (method.Method switch
            {
                "POST" => "create",
                "DELETE" => "delete-table",
                _ => "list",
            }, named.Length > 0 ? named : "(service)");
        }

        if (table.Length == 0)
        {
            return ("properties", "(service)");
        }

        var entity = keys.Contains("PartitionKey=", StringComparison.Ordinal);
        return (method.Method switch
        {
            "POST" => "insert",
            "GET" when entity => "point-read",
            "GET" => "query",
            "DELETE" when entity => "delete",
            "DELETE" => "delete-table",
            "PUT" or "MERGE" or "PATCH" => conditional ? "update" : "upsert",
            _ => "other",
        }, table);
    }

    /// <summary>Restores the previous batch table when disposed.</summary>
    public readonly struct BatchScope(string? previous) : IDisposable
    {
        public void Dispose() => CurrentBatchTable.Value = previous;
    }
}
