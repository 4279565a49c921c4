using System.Security.Cryptography;
using System.Text.Json;

namespace StationHub.Ledger.Integrity;

/// <summary>
/// The hash that chains the ledger's sealed days: the lowercase hex SHA-256 (FIPS 180-4) of the
/// RFC 8785 canonical JSON (<see cref="CanonicalJson"/>) of a day's summary without its
/// <c>hash</c> member. Everything else is hashed, <c>prevHash</c> (the previous day's hash)
/// included, so changing any past day breaks every later day's hash.
/// </summary>
public static class DayHash
{
    /// <summary>The member that carries a day's own hash; it is never part of what is hashed.</summary>
    public const string HashMember = "hash";

    /// <summary>The member that carries the previous day's hash; it is hashed with the rest.</summary>
    public const string PrevHashMember = "prevHash";

    /// <summary>The hash of a day's summary that does not yet carry a <c>hash</c> member.</summary>
    /// <exception cref="ArgumentException">The summary is not an object, or already has a <c>hash</c>.</exception>
    /// <exception cref="CanonicalJsonException">The summary holds something JCS cannot represent.</exception>
    public static string Compute(JsonElement daySummaryWithoutHash)
    {
        RequireObject(daySummaryWithoutHash, nameof(daySummaryWithoutHash));
        if (daySummaryWithoutHash.TryGetProperty(HashMember, out _))
        {
            throw new ArgumentException(
                "The summary already has a \"hash\" member; use " + nameof(Recompute) + " for a published day.",
                nameof(daySummaryWithoutHash));
        }

        return Hex(CanonicalJson.Canonicalize(daySummaryWithoutHash));
    }

    /// <summary>
    /// The hash of a published day, computed as <see cref="Compute"/> does after removing its
    /// top-level <c>hash</c> member (whatever its value). A verifier compares the result with
    /// the published <c>hash</c> and with the next day's <c>prevHash</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The day is not an object.</exception>
    /// <exception cref="CanonicalJsonException">The day holds something JCS cannot represent.</exception>
    public static string Recompute(JsonElement publishedDay)
    {
        RequireObject(publishedDay, nameof(publishedDay));
        return Hex(CanonicalJson.Canonicalize(publishedDay, omitMember: HashMember));
    }

    /// <summary>
    /// Whether a published day's <c>hash</c> member is the hash of the rest of it. A day
    /// without a string <c>hash</c> is not intact.
    /// </summary>
    /// <exception cref="ArgumentException">The day is not an object.</exception>
    /// <exception cref="CanonicalJsonException">The day holds something JCS cannot represent.</exception>
    public static bool IsIntact(JsonElement publishedDay)
    {
        var expected = Recompute(publishedDay);
        return publishedDay.TryGetProperty(HashMember, out var hash)
            && hash.ValueKind == JsonValueKind.String
            && hash.ValueEquals(expected);
    }

    private static string Hex(byte[] canonical) => Convert.ToHexStringLower(SHA256.HashData(canonical));

    private static void RequireObject(JsonElement summary, string parameter)
    {
        if (summary.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("A day's summary is a JSON object.", parameter);
        }
    }
}
