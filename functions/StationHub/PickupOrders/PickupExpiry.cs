using Microsoft.Extensions.Logging;

namespace StationHub.PickupOrders;

/// <summary>
/// Timer function: expires arrived orders not collected within their <c>pickupWithinHours</c>,
/// reading only the due part of the expiry index. The platform is told by the queue function.
/// </summary>
public sealed class PickupExpiry(PickupOrderStore store, TimeProvider time, ILogger<PickupExpiry> logger)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var expired = 0;
        await foreach (var (hubId, expiresAt) in store.DueAsync(now, cancellationToken))
        {
            var change = new PickupOrderEvent(PickupOrderEvent.CurrentSchemaVersion, hubId, now, PickupOrderEventKind.Expired, hubId, Guid.NewGuid().ToString("N"));
            var outcome = await PickupOrderChanges.ApplyAsync(store, hubId, change, null, null, cancellationToken);
            if (outcome.Result == ChangeResult.Applied)
            {
                expired++;
            }
            else if (outcome.Result is ChangeResult.Refused or ChangeResult.NotFound)
            {
                // Collected or cancelled meanwhile: the index row is stale.
                try
                {
                    await store.UnmarkDueAsync(hubId, expiresAt, cancellationToken);
                }
                catch (Azure.RequestFailedException exception) when (exception.Status == 404)
                {
                }
            }
        }

        Log.ExpiryRan(logger, expired);
        return expired;
    }
}
