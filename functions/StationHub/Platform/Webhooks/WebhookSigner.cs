namespace StationHub.Platform.Webhooks;

/// <summary>
/// One party's signing secrets: the current one and, during a rotation, the next. Outbound, every
/// request is signed with each (space-separated <c>v1,…</c> signatures in one
/// <c>webhook-signature</c> header, as Standard Webhooks allows), so the receiver verifies with
/// whichever secret it holds; inbound, a signature made with either secret verifies.
/// </summary>
public sealed class WebhookSigner
{
    private readonly StandardWebhook[] keys;

    public WebhookSigner(StandardWebhook current, StandardWebhook? next = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        keys = next is null ? [current] : [current, next];
    }

    /// <summary>True while a rotation is under way (two secrets).</summary>
    public bool IsRotating => keys.Length > 1;

    /// <summary>The <c>webhook-signature</c> header: one signature per secret, space-separated.</summary>
    public string Sign(string id, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        if (keys.Length == 1)
        {
            return keys[0].Sign(id, timestamp, body);
        }

        return keys[0].Sign(id, timestamp, body) + " " + keys[1].Sign(id, timestamp, body);
    }

    /// <summary>Valid when the headers verify under either secret; otherwise the current secret's reason.</summary>
    public WebhookVerification Verify(string? id, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var first = keys[0].Verify(id, timestamp, signatureHeader, body, now);
        if (first.IsValid || keys.Length == 1)
        {
            return first;
        }

        var second = keys[1].Verify(id, timestamp, signatureHeader, body, now);
        return second.IsValid ? second : first;
    }
}
