using System.Security.Cryptography;
using System.Text;
using StationHub.Platform.Storage;

namespace StationHub.Platform.Http;

/// <summary>
/// The <c>Idempotency-Key</c> request header (IETF httpapi draft) of the station routes: a retry of a
/// request sends the same key and gets the first answer, byte for byte (kept with
/// <see cref="KeyedAnswers"/>); the same key on another request is a 422. A key is the caller's own:
/// its digest is scoped by the caller and by what the key is for.
/// </summary>
public static class IdempotencyKey
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 255;

    public const string ReusedType = "urn:stationhub:problem:idempotency-key-reused";

    /// <summary>The key's value: a Structured Field string (<c>"…"</c>) or, as many clients send it, a bare token; null when absent.</summary>
    public static bool TryRead(string? header, out string? key, out string error)
    {
        key = null;
        error = string.Empty;
        if (header is null)
        {
            return true;
        }

        var value = header.Trim();
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            value = value[1..^1];
        }

        if (value.Length is 0 or > MaxLength)
        {
            error = $"must be 1 to {MaxLength} characters.";
            return false;
        }

        if (value.AsSpan().IndexOfAnyExceptInRange(' ', '~') >= 0 || value.Contains('"', StringComparison.Ordinal) || value.Contains('\\', StringComparison.Ordinal))
        {
            error = "must be printable ASCII without quotes or backslashes.";
            return false;
        }

        key = value;
        return true;
    }

    /// <summary>The 400 for a header that is there but not a key.</summary>
    public static Problem Invalid(string error) =>
        Problem.BadRequest("The Idempotency-Key header is not valid.", new Dictionary<string, string[]> { [Header] = [error] });

    /// <summary>The key's digest, scoped by what it is for and by whom it is used (hex SHA-256).</summary>
    public static string Digest(string purpose, string scope, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(purpose + "\n" + scope + "\n" + key)));

    /// <summary>The first answer again, or a 422 when the key was kept for another request (<paramref name="subject"/> differs).</summary>
    public static HubResponse Replay(KeyedAnswer kept, string subject, string reusedDetail)
    {
        ArgumentNullException.ThrowIfNull(kept);
        return kept.Subject != subject
            ? HubResponse.Problem(new Problem(ReusedType, "The Idempotency-Key was used for another request.", 422, reusedDetail))
            : new HubResponse(kept.Status, kept.ContentType, Encoding.UTF8.GetBytes(kept.Body));
    }
}
