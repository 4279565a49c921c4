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
    bool bodyTooLarge = false)
{
    public string Method { get; } = method;
    public ReadOnlyMemory<byte> Body { get; } = body;
    public string? ContentType { get; } = contentType;

    /// <summary>True when the body was longer than <see cref="RequestBody.MaxBytes"/> and was not read.</summary>
    public bool BodyTooLarge { get; } = bodyTooLarge;

    public string Route(string name) =>
        routeValues.TryGetValue(name, out var value) && value is not null ? value : string.Empty;

    public string? Header(string name) => header(name);

    public string? Query(string name) => query(name);

    /// <summary>True when the body is JSON (<c>application/json</c> or a <c>+json</c> type).</summary>
    public bool IsJson
    {
        get
        {
            if (string.IsNullOrEmpty(ContentType))
            {
                return false;
            }

            var mediaType = ContentType.Split(';', 2)[0].Trim();
            return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        }
    }
}
