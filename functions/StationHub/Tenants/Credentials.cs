using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StationHub.Platform.Http;
using StationHub.Platform.Security;
using StationHub.Platform.Webhooks;

namespace StationHub.Tenants;

/// <summary>
/// One credential the registry issued, as stored: an entry of kind <c>credential</c> in the registry's
/// partition (row key <c>credential:{id}</c>, its owner's key as <c>Parent</c>), written in the same
/// transaction as the rest of a change. An API key is kept as its SHA-256 only; a signing secret is kept
/// sealed (AES-256-GCM under <see cref="CredentialOptions.CredentialKey"/>, the owner and id bound in as
/// associated data). Neither is ever answered again after the answer that issued it.
/// </summary>
public sealed record Credential(string Id, string Owner, string Type, DateTimeOffset Created, DateTimeOffset? Expires, string? Hash, string? Sealed)
{
    public const string Kind = "credential";
    public const string SigningSecret = "signing-secret";
    public const string ApiKey = "api-key";

    public bool ValidAt(DateTimeOffset now) => Expires is not { } end || now < end;

    public RegistryEntry Entry()
    {
        var json = new JsonObject
        {
            ["owner"] = Owner,
            ["type"] = Type,
            ["created"] = Format(Created),
            ["expires"] = Expires is { } end ? Format(end) : null,
        };
        if (Hash is not null)
        {
            json["hash"] = Hash;
        }

        if (Sealed is not null)
        {
            json["sealed"] = Sealed;
        }

        return new RegistryEntry(Kind, Id, Owner, json.ToJsonString(), 0);
    }

    public static Credential? From(RegistryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Kind != Kind)
        {
            return null;
        }

        var json = entry.Node();
        return new Credential(
            entry.Id,
            (string?)json["owner"] ?? entry.Parent ?? string.Empty,
            (string?)json["type"] ?? string.Empty,
            DateTimeOffset.Parse((string?)json["created"] ?? "1970-01-01T00:00:00Z", CultureInfo.InvariantCulture),
            (string?)json["expires"] is { } expires ? DateTimeOffset.Parse(expires, CultureInfo.InvariantCulture) : null,
            (string?)json["hash"],
            (string?)json["sealed"]);
    }

    /// <summary>What a list shows of it: id, type, when made and until when; never the secret or its hash.</summary>
    public JsonObject Listed(DateTimeOffset now) => new()
    {
        ["id"] = Id,
        ["type"] = Type,
        ["created"] = Format(Created),
        ["expires"] = Expires is { } end ? Format(end) : null,
        ["valid"] = ValidAt(now),
    };

    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// Issues, seals and serves the registry's credentials: what each kind of tenant gets when it is
/// created (a platform, city or body: a signing secret and an API key; a station: its API key), a new
/// one on demand (the others of its type then end after <see cref="CredentialOptions.CredentialOverlap"/>),
/// and the in-memory snapshot every host checks keys and signatures against (<see cref="Publish"/>,
/// called with each registry version the store serves).
/// </summary>
public sealed class Credentials(IssuedCredentials issued, IOptions<CredentialOptions> options, TimeProvider time, ILogger<Credentials> logger)
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    public TimeSpan Overlap => options.Value.CredentialOverlap;

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>The credential types a kind of tenant holds (none for witnesses and subsidy policies).</summary>
    public static IReadOnlyList<string> TypesOf(TenantKind kind) =>
        kind == TenantKind.Station ? [Credential.ApiKey]
        : kind == TenantKind.Platform || kind == TenantKind.City || kind == TenantKind.Body ? [Credential.SigningSecret, Credential.ApiKey]
        : [];

    /// <summary>The type <c>POST …/credentials</c> issues when the body names none.</summary>
    public static string DefaultType(TenantKind kind) => TypesOf(kind)[0];

    /// <summary>Null when credentials of the types can be issued; else the 503 that says the key-encryption key is missing.</summary>
    public Problem? Refusal(IEnumerable<string> types) =>
        types.Contains(Credential.SigningSecret) && options.Value.KeyBytes() is null
            ? Problem.Unavailable($"The setting '{CredentialOptions.KeySetting}' (the key-encryption key) is not set on this host: it issues no signing secret rather than store one in clear. Set it (base64 of 32 bytes; a Key Vault reference in Azure), or give the tenant its secrets in settings.")
            : null;

    /// <summary>A new credential of the owner (<c>platform:{id}</c>...), and the one answer that shows its secret or key.</summary>
    public (Credential Credential, JsonObject Answer) Issue(string owner, string type, DateTimeOffset now)
    {
        var id = "cred_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var answer = new JsonObject { ["id"] = id, ["type"] = type, ["created"] = Credential.Format(now) };
        if (type == Credential.SigningSecret)
        {
            var secret = StandardWebhook.NewSecret();
            answer["secret"] = secret;
            return (new Credential(id, owner, type, now, null, null, Seal(secret, owner, id)), answer);
        }

        var key = "shk_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        answer["key"] = key;
        return (new Credential(id, owner, type, now, null, ApiKeys.Hash(key), null), answer);
    }

    /// <summary>Every credential of the owner in the registry.</summary>
    public static IEnumerable<Credential> Of(RegistryState state, string owner) =>
        state.OfKind(Credential.Kind).Where(e => e.Parent == owner).Select(Credential.From).OfType<Credential>();

    /// <summary>
    /// Swaps in the credentials of the registry the host now serves: key hashes as they are, signing
    /// secrets opened with the key-encryption key (a host without it, or a sealed secret that does not
    /// open, skips them and says so: its settings still serve).
    /// </summary>
    public void Publish(RegistryState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var keys = new List<IssuedKey>();
        var secrets = new List<IssuedSecret>();
        var unopened = 0;
        foreach (var credential in state.OfKind(Credential.Kind).Select(Credential.From).OfType<Credential>())
        {
            if (credential.Type == Credential.ApiKey && credential.Hash is { Length: 64 } hex && PrincipalOf(credential.Owner) is { } principal)
            {
                keys.Add(new IssuedKey(principal, credential.Id, Convert.FromHexString(hex), credential.Expires));
            }
            else if (credential.Type == Credential.SigningSecret && credential.Sealed is { } sealedSecret)
            {
                if (Open(sealedSecret, credential.Owner, credential.Id) is { } secret)
                {
                    secrets.Add(new IssuedSecret(credential.Owner, credential.Id, new StandardWebhook(secret), credential.Created, credential.Expires));
                }
                else
                {
                    unopened++;
                }
            }
        }

        issued.Replace(keys, secrets);
        if (unopened > 0)
        {
            CredentialLog.SecretsNotOpened(logger, unopened, CredentialOptions.KeySetting);
        }
    }

    /// <summary>The principal an owner key names (<c>station:st-1</c> → station st-1).</summary>
    public static Principal? PrincipalOf(string owner)
    {
        var cut = owner.IndexOf(':', StringComparison.Ordinal);
        return cut > 0 && Enum.TryParse<PrincipalKind>(owner[..cut], ignoreCase: true, out var kind) && kind != PrincipalKind.Admin
            ? new Principal(kind, owner[(cut + 1)..])
            : null;
    }

    private string Seal(string secret, string owner, string id)
    {
        var key = options.Value.KeyBytes() ?? throw new InvalidOperationException($"The setting '{CredentialOptions.KeySetting}' is not set.");
        var plain = Encoding.UTF8.GetBytes(secret);
        var output = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceBytes, plain.Length), output.AsSpan(NonceBytes + plain.Length), Associated(owner, id));
        return "v1." + Convert.ToBase64String(output);
    }

    private string? Open(string sealedSecret, string owner, string id)
    {
        byte[]? key;
        try
        {
            key = options.Value.KeyBytes();
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        if (key is null || !sealedSecret.StartsWith("v1.", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var input = Convert.FromBase64String(sealedSecret[3..]);
            if (input.Length < NonceBytes + TagBytes)
            {
                return null;
            }

            var plain = new byte[input.Length - NonceBytes - TagBytes];
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(input.AsSpan(0, NonceBytes), input.AsSpan(NonceBytes, plain.Length), input.AsSpan(NonceBytes + plain.Length), plain, Associated(owner, id));
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception exception) when (exception is FormatException or CryptographicException)
        {
            return null;
        }
    }

    private static byte[] Associated(string owner, string id) => Encoding.UTF8.GetBytes(owner + "/" + id);
}
