using Microsoft.Extensions.Configuration;
using StationHub.Ledger.Integrity;

namespace StationHub.Ledger.Checkpoints;

/// <summary>
/// The hub's Ed25519 checkpoint key, from the setting <c>Secrets:LedgerSigningKey</c>: a signed-note
/// private key string (<c>PRIVATE+KEY+&lt;name&gt;+&lt;hex8&gt;+base64</c>, as <c>stationhub keygen</c> or
/// Go's <c>note.GenerateKey</c> write it). Its name is the ledger's origin line. In Azure the setting
/// is a Key Vault secret reference: Key Vault keys do not do Ed25519, so the key is kept as a secret.
/// </summary>
public sealed class LedgerSigningKey(IConfiguration configuration) : IDisposable
{
    public const string Setting = "Secrets:LedgerSigningKey";

    private readonly Lazy<NoteSigner> signer = new(() => Read(configuration[Setting]));

    /// <summary>The signer (throws, naming the setting, when it is missing or malformed).</summary>
    public NoteSigner Signer => signer.Value;

    /// <summary>The ledger's origin: the key's name.</summary>
    public string Origin => Signer.Name;

    /// <summary>The verifier key anyone checks checkpoints with.</summary>
    public string VerifierKey => Signer.Verifier.VerifierKey;

    /// <summary>What is wrong with the setting, or null.</summary>
    public static string? Problem(IConfiguration configuration)
    {
        try
        {
            using var parsed = Read(configuration[Setting]);
            return null;
        }
        catch (InvalidOperationException exception)
        {
            return exception.Message;
        }
    }

    public void Dispose()
    {
        if (signer.IsValueCreated)
        {
            signer.Value.Dispose();
        }
    }

    private static NoteSigner Read(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidOperationException($"The setting '{Setting}' is missing (the ledger's Ed25519 signed-note key, PRIVATE+KEY+<name>+<hex8>+<base64>).");
        }

        try
        {
            var signer = NoteSigner.Parse(value);
            if (signer.Verifier.Type != NoteKeys.Ed25519)
            {
                signer.Dispose();
                throw new FormatException("not a note key");
            }

            return signer;
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The setting '{Setting}' must be an Ed25519 signed-note private key: PRIVATE+KEY+<name>+<hex8>+<base64 of 0x01 and the 32-byte seed>.");
        }
    }
}
