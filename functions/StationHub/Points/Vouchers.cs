using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Points;

/// <summary>
/// <c>POST /api/v1/stations/{stationId}/vouchers/{voucherCode}/redemption</c>: a station honours a
/// voucher, settling the reserved points. Once only: every attempt, from any station, is the same
/// transaction (<see cref="PointsBook.SettlementId"/>), so one commits and every later scan is a 409
/// naming when and where it was settled. Only stations of the voucher's city may honour it (403,
/// and the voucher stays reserved). A network retry sends the same <c>Idempotency-Key</c> (IETF
/// httpapi draft) and gets the first answer, byte for byte; see docs/points.md.
/// </summary>
public sealed class VoucherSettlement(PointsBook book, HubRegistry registry, TimeProvider time)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const int MaxIdempotencyKeyLength = 255;

    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var stationId = request.Route("stationId");
        var code = request.Route("voucherCode");
        if (!TryReadIdempotencyKey(request.Header(IdempotencyKeyHeader), out var key, out var keyError))
        {
            return HubResponse.Problem(Problem.BadRequest("The Idempotency-Key header is not valid.", new Dictionary<string, string[]> { [IdempotencyKeyHeader] = [keyError] }));
        }

        // A station's key is its own: the digest is scoped by the station, and names the attempt in the book.
        var keyDigest = key is null ? null : KeyDigest(stationId, key);
        if (keyDigest is not null && await book.FindKeyedAnswerAsync(stationId, keyDigest, cancellationToken) is { } kept)
        {
            return Replay(kept, code);
        }

        var answer = await SettleAsync(stationId, code, keyDigest, cancellationToken);
        if (keyDigest is null)
        {
            return answer;
        }

        var first = await book.KeepKeyedAnswerAsync(stationId, keyDigest, new KeyedAnswer(code, answer.Status, answer.ContentType, Encoding.UTF8.GetString(answer.Body.Span)), cancellationToken);
        return Replay(first, code);
    }

    /// <summary>The key's value: a Structured Field string (<c>"…"</c>) or, as many clients send it, a bare token.</summary>
    public static bool TryReadIdempotencyKey(string? header, out string? key, out string error)
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

        if (value.Length is 0 or > MaxIdempotencyKeyLength)
        {
            error = $"must be 1 to {MaxIdempotencyKeyLength} characters.";
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

    private static string KeyDigest(string stationId, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("settle\n" + stationId + "\n" + key)));

    private static HubResponse Replay(KeyedAnswer kept, string code) =>
        kept.Subject != code
            ? HubResponse.Problem(new Problem("urn:stationhub:problem:idempotency-key-reused", "The Idempotency-Key was used for another request.", 422, "Each scan of a voucher takes its own key; a retry of one scan sends the same key."))
            : new HubResponse(kept.Status, kept.ContentType, Encoding.UTF8.GetBytes(kept.Body));

    private async Task<HubResponse> SettleAsync(string stationId, string code, string? keyDigest, CancellationToken cancellationToken)
    {
        var voucher = await book.FindVoucherAsync(code, cancellationToken);
        if (voucher is null)
        {
            return HubResponse.Problem(Problem.NotFound("No voucher has that code."));
        }

        if (!book.IsHonouredAt(voucher, stationId))
        {
            var city = voucher.CityId is { } id ? registry.FindCity(id)?.Name ?? id : "its city";
            return HubResponse.Problem(Problem.Forbidden($"The voucher is honoured only at stations of {city}; it stays reserved."));
        }

        // This request's attempt: its key's digest, so that a retry with the key finds the settlement its own.
        var attemptId = keyDigest ?? Guid.NewGuid().ToString("N");
        var settle = new PointsTransactionRequested(
            PointsTransactionRequested.CurrentSchemaVersion, attemptId, time.GetUtcNow(), PointsBook.SettlementId(code), PointsKind.Settled,
            voucher.PlatformId, PointsBook.CourierOf(voucher), StationId: stationId, VoucherCode: code, AttemptId: attemptId);
        var outcome = voucher.Status == VoucherStatus.Reserved && settle.OccurredAt < voucher.ExpiresAt
            ? await book.QueueThenApplyAsync(settle, cancellationToken)
            : await book.ApplyAsync(settle, cancellationToken);
        var record = outcome.Record;
        if (outcome.Applied && record.AttemptId == attemptId)
        {
            return HubResponse.Json(StatusCodes.Ok, new VoucherAnswer(code, voucher.Reward, record.Points, VoucherStatus.Settled, record.StationId ?? stationId, record.At), HubJsonContext.Default.VoucherAnswer);
        }

        var current = await book.FindCourierVoucherAsync(PointsBook.CourierOf(voucher), code, cancellationToken);
        return current?.Status switch
        {
            VoucherStatus.Settled when current.ClosedAt is { } at => new HubResponse(StatusCodes.Conflict, HubResponse.ProblemContentType, JsonSerializer.SerializeToUtf8Bytes(VoucherSettledProblem.For(code, current.StationId ?? "unknown", at), HubJsonContext.Default.VoucherSettledProblem)),
            VoucherStatus.Released => HubResponse.Problem(new Problem("urn:stationhub:problem:gone", "The voucher has expired.", 410, "Its points went back to the courier.")),
            _ when current is not null && settle.OccurredAt >= current.ExpiresAt =>
                HubResponse.Problem(new Problem("urn:stationhub:problem:gone", "The voucher has expired.", 410, "Its points are being released to the courier.")),
            _ => HubResponse.Problem(Problem.Conflict(record.Reason ?? "The voucher cannot be settled.")),
        };
    }
}

/// <summary>The answer to a settlement: what was honoured, where and when.</summary>
public sealed record VoucherAnswer(string VoucherCode, string Reward, long Points, string Status, string StationId, DateTimeOffset SettledAt);

/// <summary>
/// The 409 for a voucher already honoured (RFC 9457, with the extension members
/// <see cref="SettledAt"/> and <see cref="StationId"/>, so a station's software can show them).
/// </summary>
public sealed record VoucherSettledProblem(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("voucherCode")] string VoucherCode,
    [property: JsonPropertyName("settledAt")] DateTimeOffset SettledAt,
    [property: JsonPropertyName("stationId")] string StationId)
{
    public static VoucherSettledProblem For(string code, string stationId, DateTimeOffset settledAt) =>
        new("urn:stationhub:problem:voucher-settled", "The voucher was already settled.", StatusCodes.Conflict,
            string.Create(CultureInfo.InvariantCulture, $"Voucher {code} was settled at station {stationId} on {settledAt:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}; do not hand the reward over again."),
            code, settledAt, stationId);
}

/// <summary>Timer function: releases the points of vouchers that expired unsettled, reading only the due index.</summary>
public sealed class VoucherExpiry(PointsBook book, TimeProvider time, ILogger<VoucherExpiry> logger)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var released = 0;
        await foreach (var (courier, code, expiresAt) in book.DueVouchersAsync(now, cancellationToken))
        {
            var voucher = await book.FindCourierVoucherAsync(courier, code, cancellationToken);

            // A row of an attempt that lost (another expiry time) or of a voucher already closed goes.
            if (voucher is null || voucher.Status != VoucherStatus.Reserved || !PointsBook.IsDueAt(voucher, expiresAt))
            {
                await book.RemoveDueAsync(code, expiresAt, cancellationToken);
                continue;
            }

            var release = new PointsTransactionRequested(
                PointsTransactionRequested.CurrentSchemaVersion, code, now, PointsBook.ReleaseId(code), PointsKind.Released,
                voucher.PlatformId, courier, VoucherCode: code);
            if ((await book.QueueThenApplyAsync(release, cancellationToken)).Applied)
            {
                released++;
            }
        }

        Log.VouchersReleased(logger, released);
        return released;
    }
}
