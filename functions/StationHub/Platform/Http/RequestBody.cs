namespace StationHub.Platform.Http;

/// <summary>Reads a request body up to the hub's limit, the same way in both hosts.</summary>
public static class RequestBody
{
    /// <summary>Webhook and API bodies are limited to 64 KiB.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Returns the body, or <c>null</c> when it is longer than <see cref="MaxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(Stream body, long? declaredLength, CancellationToken cancellationToken = default)
    {
        if (declaredLength > MaxBytes)
        {
            return null;
        }

        var buffer = new byte[Math.Min(declaredLength ?? 4096, MaxBytes) + 1];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > MaxBytes)
                {
                    return null;
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxBytes + 1));
            }

            var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (length > MaxBytes)
            {
                return null;
            }
        }

        return buffer.AsSpan(0, length).ToArray();
    }
}
