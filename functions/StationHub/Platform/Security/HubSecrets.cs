using Microsoft.Extensions.Configuration;
using StationHub.Platform.Webhooks;

namespace StationHub.Platform.Security;

/// <summary>
/// Secrets read from settings (Key Vault references in Azure, local.settings.json locally):
/// <c>Secrets:Platforms:{id}:SigningSecret</c>, <c>Secrets:Cities:{id}:SigningSecret</c>,
/// <c>Secrets:Cities:{id}:Open311ApiKey</c> and <c>Secrets:PseudonymKey</c>.
/// </summary>
public sealed class HubSecrets(IConfiguration configuration)
{
    private readonly Dictionary<string, StandardWebhook> signers = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public StandardWebhook PlatformSigner(string platformId) => Signer($"Secrets:Platforms:{platformId}:SigningSecret");

    public StandardWebhook CitySigner(string cityId) => Signer($"Secrets:Cities:{cityId}:SigningSecret");

    public string CityOpen311ApiKey(string cityId) => Required($"Secrets:Cities:{cityId}:Open311ApiKey");

    /// <summary>A responsible body's signing secret (<c>Secrets:Bodies:{id}:SigningSecret</c>).</summary>
    public StandardWebhook BodySigner(string bodyId) => Signer($"Secrets:Bodies:{bodyId}:SigningSecret");

    public string BodyOpen311ApiKey(string bodyId) => Required($"Secrets:Bodies:{bodyId}:Open311ApiKey");

    private StandardWebhook Signer(string key)
    {
        lock (gate)
        {
            if (!signers.TryGetValue(key, out var signer))
            {
                signers[key] = signer = new StandardWebhook(Required(key));
            }

            return signer;
        }
    }

    private string Required(string key) =>
        configuration[key] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The setting '{key}' is missing.");
}
