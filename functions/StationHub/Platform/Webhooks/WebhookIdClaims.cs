using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using StationHub.Platform.Storage;

namespace StationHub.Platform.Webhooks;

/// <summary>
/// Which item a platform's <c>webhook-id</c> made. The contract promises that the same webhook-id
/// again gets the first answer and nothing is done twice, even when the body differs (a sender's
/// bug, or somebody replaying a captured id with another body): the first request to claim the id
/// decides which item it names, and every later one is answered about that item. The claim is one
/// row in the flow's own table, in a partition of its own (<c>wh-…</c>, a hash of platform and id,
/// so any id the header can carry fits a key), written before anything is queued.
/// </summary>
public static class WebhookIdClaims
{
    public const string Row = "webhook-id";

    public static string PartitionFor(string platformId, string webhookId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{platformId}\n{webhookId}"));
        return "wh-" + Base32.Lower(hash.AsSpan(0, 20));
    }

    /// <summary>
    /// Claims the id for <paramref name="itemId"/>; returns the item that holds it: this one when the
    /// claim is new (or this item's own retry), another when the id already made something else.
    /// </summary>
    public static async Task<string> ClaimAsync(TableClient table, string platformId, string webhookId, string itemId, CancellationToken cancellationToken = default) =>
        (await ClaimOrFindAsync(table, platformId, webhookId, itemId, cancellationToken)).ItemId;

    /// <summary>As <see cref="ClaimAsync"/>, and whether this request made the claim (false: the id came before, a retry or a reuse).</summary>
    public static async Task<WebhookIdClaim> ClaimOrFindAsync(TableClient table, string platformId, string webhookId, string itemId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        var claim = new WebhookIdClaimEntity { PartitionKey = PartitionFor(platformId, webhookId), ItemId = itemId };
        if (await table.TryAddAsync(claim, cancellationToken))
        {
            return new(itemId, IsNew: true);
        }

        var held = await table.FindAsync<WebhookIdClaimEntity>(claim.PartitionKey, Row, cancellationToken)
            ?? throw new InvalidOperationException($"The claim on a webhook-id of platform {platformId} vanished.");
        return new(held.ItemId, IsNew: false);
    }
}

/// <summary>The item a webhook-id names, and whether this request's claim made that so.</summary>
public readonly record struct WebhookIdClaim(string ItemId, bool IsNew);

public sealed class WebhookIdClaimEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = WebhookIdClaims.Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ItemId { get; set; } = string.Empty;
}
