namespace StationHub.Platform.Http;

/// <summary>
/// What a trigger hands to a handler: the parts of an HTTP request the hub reads, free of
/// any host's types. Header lookups are case-insensitive.
/// </summary>
public sealed class HubRequest(
    string method,
    IReadOnlyDictionary<string, string?> routeValues,
    Func<string, string?> header,
    Func<string, string?> query,
    ReadOnlyMemory<byte> body,
    string? contentType,
    bool bodyTooLarge = false,
    string path = "",
    int maxBodyBytes = RequestBody.MaxBytes)
{
    public string Method { get; } = method;

    /// <summary>The request's path from the host's root (<c>/api/v1/...</c>).</summary>
    public string Path { get; } = path;
    public ReadOnlyMemory<byte> Body { get; } = body;
    public string? ContentType { get; } = contentType;

    /// <summary>True when the body was longer than the route's limit (<see cref="MaxBodyBytes"/>) and was not read.</summary>
    public bool BodyTooLarge { get; } = bodyTooLarge;

    /// <summary>The route's body limit (<see cref="Triggers.HttpFunction.MaxBodyBytes"/>; 64 KiB unless the row says more).</summary>
    public int MaxBodyBytes { get; } = maxBodyBytes;

    /// <summary>Who the runner authenticated for the row's caller (null for public and signed routes).</summary>
    public Security.Principal? Caller { get; set; }

    public string Route(string name) =>
        routeValues.TryGetValue(name, out var value) && value is not null ? value : string.Empty;

    public string? Header(string name) => header(name);

    public string? Query(string name) => query(name);

    /// <summary>
    /// True when the body is declared as JSON the hub reads: <c>application/json</c>, in UTF-8 (no
    /// charset, or <c>charset=utf-8</c>). Other types that end in <c>+json</c> name other envelopes
    /// (<c>application/cloudevents+json</c> is a CloudEvent, not a Standard Webhooks payload) and other
    /// charsets another encoding: both are 415.
    /// </summary>
    public bool IsJson
    {
        get
        {
            if (string.IsNullOrEmpty(ContentType))
            {
                return false;
            }

            var parts = ContentType.Split(';');
            if (!parts[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            foreach (var parameter in parts.Skip(1))
            {
                var pair = parameter.Split('=', 2);
                if (pair[0].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase)
                    && !(pair.Length == 2 && pair[1].Trim().Trim('"') is var charset
                         && (charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
