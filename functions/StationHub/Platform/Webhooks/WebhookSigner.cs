namespace StationHub.Platform.Webhooks;

/// <summary>
/// One party's signing secrets, newest first: from settings the current one and, during a rotation,
/// the next; from the registry every issued secret still inside its overlap. Outbound, every request
/// is signed with each (space-separated <c>v1,…</c> signatures in one <c>webhook-signature</c>
/// header, as Standard Webhooks allows), so the receiver verifies with whichever secret it holds;
/// inbound, a signature made with any of them verifies. A signer with no secret (all revoked)
/// verifies nothing and cannot sign.
/// </summary>
public sealed class WebhookSigner
{
    private readonly StandardWebhook[] keys;

    public WebhookSigner(StandardWebhook current, StandardWebhook? next = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        keys = next is null ? [current] : [current, next];
    }

    /// <summary>Secrets in the order given (the first signs first, and its reason is the one a refusal gives).</summary>
    public WebhookSigner(IReadOnlyList<StandardWebhook> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        keys = [.. secrets];
    }

    /// <summary>A signer without a secret: every signature is refused.</summary>
    public static WebhookSigner None { get; } = new([]);

    /// <summary>True while a rotation is under way (two secrets or more).</summary>
    public bool IsRotating => keys.Length > 1;

    /// <summary>True when it holds at least one secret.</summary>
    public bool HasSecret => keys.Length > 0;

    /// <summary>The <c>webhook-signature</c> header: one signature per secret, space-separated.</summary>
    public string Sign(string id, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        if (keys.Length == 0)
        {
            throw new InvalidOperationException("No signing secret is valid for this destination: issue one.");
        }

        if (keys.Length == 1)
        {
            return keys[0].Sign(id, timestamp, body);
        }

        var signatures = new string[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            signatures[i] = keys[i].Sign(id, timestamp, body);
        }

        return string.Join(' ', signatures);
    }

    /// <summary>Valid when the headers verify under any secret; otherwise the first secret's reason.</summary>
    public WebhookVerification Verify(string? id, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (keys.Length == 0)
        {
            return WebhookVerification.Fail("No signing secret of this sender is valid.");
        }

        var first = keys[0].Verify(id, timestamp, signatureHeader, body, now);
        if (first.IsValid)
        {
            return first;
        }

        for (var i = 1; i < keys.Length; i++)
        {
            var other = keys[i].Verify(id, timestamp, signatureHeader, body, now);
            if (other.IsValid)
            {
                return other;
            }
        }

        return first;
    }
}
