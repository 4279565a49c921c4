using Microsoft.Extensions.Configuration;
using StationHub.Platform.Webhooks;

namespace StationHub.Platform.Security;

/// <summary>
/// Secrets read from settings (Key Vault references in Azure, local.settings.json locally):
/// <c>Secrets:Platforms:{id}:SigningSecret</c>, <c>Secrets:Cities:{id}:SigningSecret</c>, each with an
/// optional <c>…:NextSigningSecret</c> during a rotation (<see cref="WebhookSigner"/>),
/// <c>Secrets:Cities:{id}:Open311ApiKey</c>, <c>Secrets:Admin:SigningSecret</c> (the administrators'
/// endpoint, when the registry names one) and <c>Secrets:PseudonymKey</c>. A platform's, city's or
/// body's signing secrets issued by the registry (<see cref="IssuedCredentials"/>, newest first) come
/// before the settings' ones; both sign and verify while valid, so the settings keep working beside them.
/// </summary>
public sealed class HubSecrets(IConfiguration configuration, IssuedCredentials? issued = null, TimeProvider? time = null)
{
    public const string SigningSecretName = "SigningSecret";
    public const string NextSigningSecretName = "NextSigningSecret";
    public const string AdminSection = "Secrets:Admin";

    private readonly Dictionary<string, WebhookSigner> signers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StandardWebhook[]> settingsSecrets = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public static string PlatformSection(string platformId) => $"Secrets:Platforms:{platformId}";

    public static string CitySection(string cityId) => $"Secrets:Cities:{cityId}";

    public WebhookSigner PlatformSigner(string platformId) => Signer(PlatformSection(platformId), "platform:" + platformId);

    public WebhookSigner CitySigner(string cityId) => Signer(CitySection(cityId), "city:" + cityId);

    /// <summary>The administrators' endpoint's signer (<c>Secrets:Admin:SigningSecret</c>).</summary>
    public WebhookSigner AdminSigner() => Signer(AdminSection);

    public string CityOpen311ApiKey(string cityId) => Required($"Secrets:Cities:{cityId}:Open311ApiKey");

    public static string BodySection(string bodyId) => $"Secrets:Bodies:{bodyId}";

    /// <summary>A responsible body's signer (<c>Secrets:Bodies:{id}:SigningSecret</c>, and a next one during a rotation).</summary>
    public WebhookSigner BodySigner(string bodyId) => Signer(BodySection(bodyId), "body:" + bodyId);

    public string BodyOpen311ApiKey(string bodyId) => Required($"Secrets:Bodies:{bodyId}:Open311ApiKey");

    /// <summary>The registry's valid secrets of the owner (newest first), then the settings' (when set).</summary>
    private WebhookSigner Signer(string section, string owner)
    {
        var fromSettings = SettingsSecrets(section);
        var fromRegistry = issued?.Secrets(owner, (time ?? TimeProvider.System).GetUtcNow()) ?? [];
        if (fromRegistry.Count == 0)
        {
            return fromSettings.Signer;
        }

        return new WebhookSigner([.. fromRegistry, .. fromSettings.Secrets]);
    }

    private WebhookSigner Signer(string section)
    {
        var settings = SettingsSecrets(section);
        return settings.Secrets.Count > 0 ? settings.Signer : throw new InvalidOperationException($"The setting '{section}:{SigningSecretName}' is missing.");
    }

    private (WebhookSigner Signer, IReadOnlyList<StandardWebhook> Secrets) SettingsSecrets(string section)
    {
        lock (gate)
        {
            if (!signers.TryGetValue(section, out var signer))
            {
                var current = configuration[$"{section}:{SigningSecretName}"] is { Length: > 0 } first ? new StandardWebhook(first) : null;
                var next = configuration[$"{section}:{NextSigningSecretName}"] is { Length: > 0 } value ? new StandardWebhook(value) : null;
                signer = current is null ? WebhookSigner.None : new WebhookSigner(current, next);
                signers[section] = signer;
                settingsSecrets[section] = current is null ? [] : next is null ? [current] : [current, next];
            }

            return (signer, settingsSecrets[section]);
        }
    }

    private string Required(string key) =>
        configuration[key] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The setting '{key}' is missing.");
}
