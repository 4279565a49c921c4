using Microsoft.Extensions.Logging;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Points;

/// <summary>
/// <c>POST /api/v1/stations/{stationId}/vouchers/{voucherCode}/redemption</c>: a station honours a
/// voucher, settling the reserved points. Once only: two stations at once both try the same
/// transaction id (<c>settle~{code}</c>); one commits, the other is told it was already settled.
/// </summary>
public sealed class VoucherSettlement(ApiKeys apiKeys, PointsBook book, HubStorage storage, TimeProvider time)
{
    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var stationId = request.Route("stationId");
        var station = apiKeys.Authenticate(request.Header(ApiKeyHeader.Name), PrincipalKind.Station);
        if (station is null)
        {
            return HubResponse.Problem(Problem.Unauthorized("A station's x-api-key is required."));
        }

        if (station.Id != stationId)
        {
            return HubResponse.Problem(Problem.Forbidden("That key belongs to another station."));
        }

        var code = request.Route("voucherCode");
        var partition = await book.FindVoucherPartitionAsync(code, cancellationToken);
        var voucher = partition is null ? null : await book.FindVoucherAsync(partition, code, cancellationToken);
        if (voucher is null)
        {
            return HubResponse.Problem(Problem.NotFound("No voucher has that code."));
        }

        var settle = new PointsTransactionRequested(
            PointsTransactionRequested.CurrentSchemaVersion, Guid.NewGuid().ToString("N"), time.GetUtcNow(), "settle~" + code, PointsKind.Settled,
            voucher.PlatformId, partition!["c~".Length..], StationId: stationId, VoucherCode: code);
        if (voucher.Status == VoucherStatus.Reserved && settle.OccurredAt < voucher.ExpiresAt)
        {
            await storage.SendAsync(Queues.PointsTransactions, settle, HubJsonContext.Default.PointsTransactionRequested, cancellationToken: cancellationToken);
        }

        var outcome = await book.ApplyAsync(settle, cancellationToken);
        if (outcome.Applied && outcome.Record.StationId == stationId)
        {
            return HubResponse.Json(StatusCodes.Ok, new VoucherAnswer(code, voucher.Reward, voucher.Cost, VoucherStatus.Settled, stationId), HubJsonContext.Default.VoucherAnswer);
        }

        var current = await book.FindVoucherAsync(partition!, code, cancellationToken);
        return current?.Status switch
        {
            VoucherStatus.Settled => HubResponse.Problem(Problem.Conflict("The voucher was already settled.")),
            VoucherStatus.Released => HubResponse.Problem(new Problem("urn:stationhub:problem:gone", "The voucher has expired.", 410, "Its points went back to the courier.")),
            _ when current is not null && settle.OccurredAt >= current.ExpiresAt =>
                HubResponse.Problem(new Problem("urn:stationhub:problem:gone", "The voucher has expired.", 410, "Its points are being released to the courier.")),
            _ => HubResponse.Problem(Problem.Conflict(outcome.Record.Reason ?? "The voucher cannot be settled.")),
        };
    }
}

public sealed record VoucherAnswer(string VoucherCode, string Reward, long Points, string Status, string StationId);

/// <summary>Timer function: releases the points of vouchers that expired unsettled, reading only the due index.</summary>
public sealed class VoucherExpiry(PointsBook book, HubStorage storage, TimeProvider time, ILogger<VoucherExpiry> logger)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var released = 0;
        await foreach (var (partition, code, expiresAt) in book.DueVouchersAsync(now, cancellationToken))
        {
            var voucher = await book.FindVoucherAsync(partition, code, cancellationToken);
            if (voucher is null || voucher.Status != VoucherStatus.Reserved)
            {
                await book.RemoveDueAsync(code, expiresAt, cancellationToken);
                continue;
            }

            var release = new PointsTransactionRequested(
                PointsTransactionRequested.CurrentSchemaVersion, code, now, "release~" + code, PointsKind.Released,
                voucher.PlatformId, partition["c~".Length..], VoucherCode: code);
            await storage.SendAsync(Queues.PointsTransactions, release, HubJsonContext.Default.PointsTransactionRequested, cancellationToken: cancellationToken);
            if ((await book.ApplyAsync(release, cancellationToken)).Applied)
            {
                released++;
            }
        }

        Log.VouchersReleased(logger, released);
        return released;
    }
}
