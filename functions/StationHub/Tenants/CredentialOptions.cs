using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace StationHub.Tenants;

/// <summary>Settings of the credentials the registry issues (section <c>Registry</c>, beside <see cref="TenantOptions"/>).</summary>
public sealed class CredentialOptions
{
    public const string KeySetting = TenantOptions.Section + ":" + nameof(CredentialKey);

    /// <summary>The default overlap: how long the credentials a new one replaces keep working.</summary>
    public static readonly TimeSpan DefaultOverlap = TimeSpan.FromHours(24);

    /// <summary>
    /// The key-encryption key of issued signing secrets: base64 of 32 bytes (AES-256-GCM). A Key Vault
    /// reference in Azure; a local key in the sample settings. Without it the admin API issues no signing
    /// secret (503) rather than store one in clear; API keys (stored as hashes) are issued either way.
    /// </summary>
    public string? CredentialKey { get; set; }

    /// <summary>How long the credentials of the same kind keep working after a new one is issued (default 24 h).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "90.00:00:00")]
    public TimeSpan CredentialOverlap { get; set; } = DefaultOverlap;

    /// <summary>The key's bytes; null when unset; throws naming the setting when malformed.</summary>
    public byte[]? KeyBytes()
    {
        if (string.IsNullOrEmpty(CredentialKey))
        {
            return null;
        }

        try
        {
            var bytes = Convert.FromBase64String(CredentialKey);
            return bytes.Length == 32 ? bytes : throw new FormatException();
        }
        catch (FormatException exception)
        {
            throw new InvalidOperationException($"The setting '{KeySetting}' must be base64 of 32 bytes (an AES-256 key).", exception);
        }
    }

    public bool KeyIsValid()
    {
        try
        {
            _ = KeyBytes();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>Checks <see cref="CredentialOptions"/>'s data annotations with code generated at compile time (<see cref="Platform.ValidatedOptions"/>).</summary>
[OptionsValidator]
public sealed partial class CredentialOptionsValidator : IValidateOptions<CredentialOptions>;
