namespace StationHub.Platform.Http;

/// <summary>Reads a request body up to the hub's limit, the same way in both hosts.</summary>
public static class RequestBody
{
    /// <summary>Webhook and API bodies are limited to 64 KiB.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>
    /// The most any row may declare (<see cref="Triggers.HttpFunction.MaxBodyBytes"/>): below the hosts' own
    /// limits, Kestrel's 30,000,000 bytes (the local host, and the Functions worker's ASP.NET Core
    /// integration) and the Functions host's 100 MB (<c>FUNCTIONS_REQUEST_BODY_SIZE_LIMIT</c>), so the
    /// row's limit is the one a caller meets, with the hub's 413.
    /// </summary>
    public const int MaxRouteBytes = 16 * 1024 * 1024;

    /// <summary>Returns the body, or <c>null</c> when it is longer than <see cref="MaxBytes"/>.</summary>
    public static Task<byte[]?> ReadAsync(Stream body, long? declaredLength, CancellationToken cancellationToken = default) =>
        ReadAsync(body, declaredLength, MaxBytes, cancellationToken);

    /// <summary>Returns the body, or <c>null</c> when it is longer than <paramref name="maxBytes"/> (the route's limit).</summary>
    public static async Task<byte[]?> ReadAsync(Stream body, long? declaredLength, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (declaredLength > maxBytes)
        {
            return null;
        }

        var buffer = new byte[Math.Min(declaredLength ?? 4096, maxBytes) + 1];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxBytes)
                {
                    return null;
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, maxBytes + 1));
            }

            var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (length > maxBytes)
            {
                return null;
            }
        }

        return buffer.AsSpan(0, length).ToArray();
    }
}
