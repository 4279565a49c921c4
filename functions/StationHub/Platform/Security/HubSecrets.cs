using Microsoft.Extensions.Configuration;
using StationHub.Platform.Webhooks;

namespace StationHub.Platform.Security;

/// <summary>
/// Secrets read from settings (Key Vault references in Azure, local.settings.json locally):
/// <c>Secrets:Platforms:{id}:SigningSecret</c>, <c>Secrets:Cities:{id}:SigningSecret</c>, each with an
/// optional <c>…:NextSigningSecret</c> during a rotation (<see cref="WebhookSigner"/>),
/// <c>Secrets:Cities:{id}:Open311ApiKey</c>, <c>Secrets:Admin:SigningSecret</c> (the administrators'
/// endpoint, when the registry names one) and <c>Secrets:PseudonymKey</c>.
/// </summary>
public sealed class HubSecrets(IConfiguration configuration)
{
    public const string SigningSecretName = "SigningSecret";
    public const string NextSigningSecretName = "NextSigningSecret";
    public const string AdminSection = "Secrets:Admin";

    private readonly Dictionary<string, WebhookSigner> signers = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public static string PlatformSection(string platformId) => $"Secrets:Platforms:{platformId}";

    public static string CitySection(string cityId) => $"Secrets:Cities:{cityId}";

    public WebhookSigner PlatformSigner(string platformId) => Signer(PlatformSection(platformId));

    public WebhookSigner CitySigner(string cityId) => Signer(CitySection(cityId));

    /// <summary>The administrators' endpoint's signer (<c>Secrets:Admin:SigningSecret</c>).</summary>
    public WebhookSigner AdminSigner() => Signer(AdminSection);

    public string CityOpen311ApiKey(string cityId) => Required($"Secrets:Cities:{cityId}:Open311ApiKey");

    public static string BodySection(string bodyId) => $"Secrets:Bodies:{bodyId}";

    /// <summary>A responsible body's signer (<c>Secrets:Bodies:{id}:SigningSecret</c>, and a next one during a rotation).</summary>
    public WebhookSigner BodySigner(string bodyId) => Signer(BodySection(bodyId));

    public string BodyOpen311ApiKey(string bodyId) => Required($"Secrets:Bodies:{bodyId}:Open311ApiKey");

    private WebhookSigner Signer(string section)
    {
        lock (gate)
        {
            if (!signers.TryGetValue(section, out var signer))
            {
                var current = new StandardWebhook(Required($"{section}:{SigningSecretName}"));
                var next = configuration[$"{section}:{NextSigningSecretName}"] is { Length: > 0 } value ? new StandardWebhook(value) : null;
                signers[section] = signer = new WebhookSigner(current, next);
            }

            return signer;
        }
    }

    private string Required(string key) =>
        configuration[key] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The setting '{key}' is missing.");
}
