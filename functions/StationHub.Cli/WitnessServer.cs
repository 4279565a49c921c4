using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StationHub.Ledger.Checkpoints;
using StationHub.Ledger.Integrity;

namespace StationHub.Cli;

/// <summary>
/// <c>witness</c>: a C2SP tlog-witness anyone can run for the hub's ledger (or any log whose
/// Ed25519 verifier key it is given). <c>POST &lt;url&gt;/add-checkpoint</c>; the last checkpoint
/// cosigned per origin is kept in a small JSON file.
/// </summary>
internal static class WitnessServer
{
    public const string Usage =
        "witness --key PRIVATE+KEY+<name>+<hex8>+<base64> (or --key-file FILE) --log <hub verifier key> [--log ...] [--state witness-state.json] [--urls http://127.0.0.1:7080]";

    public static async Task<int> RunAsync(string[] args)
    {
        var keyText = Value(args, "--key") ?? (Value(args, "--key-file") is { } file ? (await File.ReadAllTextAsync(file)).Trim() : null);
        var logs = Values(args, "--log");
        if (keyText is null || logs.Count == 0)
        {
            Console.Error.WriteLine("usage: StationHub.Cli " + Usage);
            Console.Error.WriteLine("       StationHub.Cli keygen <name> [--witness]   (prints a new private key, then its verifier key)");
            return 2;
        }

        NoteSigner key;
        List<NoteVerifier> trusted;
        try
        {
            key = NoteSigner.Parse(keyText);
            trusted = [.. logs.Select(NoteVerifier.Parse)];
        }
        catch (FormatException exception)
        {
            Console.Error.WriteLine("A key is malformed: " + exception.Message);
            return 2;
        }

        if (key.Verifier.Type != NoteKeys.CosignatureV1 || trusted.Any(t => t.Type != NoteKeys.Ed25519))
        {
            Console.Error.WriteLine("The witness key must be a cosignature key (keygen --witness, type 0x04); each --log an Ed25519 note key (type 0x01).");
            return 2;
        }

        var state = new WitnessStateFile(Value(args, "--state") ?? "witness-state.json");
        var witness = new CheckpointWitness(key, trusted, state, Clock.Time);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Value(args, "--urls") ?? "http://127.0.0.1:7080");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapPost("/add-checkpoint", async (HttpContext context) =>
        {
            var answer = await witness.AddCheckpointAsync(context.Request, context.RequestAborted);
            Console.WriteLine($"{Clock.GetUtcNow():u} add-checkpoint: {answer.Status} {answer.Body.TrimEnd('\n')}");
            return Results.Text(answer.Body, answer.ContentType, null, answer.Status);
        });
        Console.WriteLine($"Witness {key.Name} ({witness.VerifierKey}) for {string.Join(", ", trusted.Select(t => t.Name))}; state in {Path.GetFullPath(state.Path)}");
        await app.RunAsync();
        return 0;
    }

    public static int KeyGen(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: StationHub.Cli keygen <name> [--witness]");
            return 2;
        }

        var (privateKey, verifierKey) = NoteSigner.Generate(args[1], args.Contains("--witness") ? NoteKeys.CosignatureV1 : NoteKeys.Ed25519);
        Console.WriteLine(privateKey);
        Console.WriteLine(verifierKey);
        return 0;
    }

    private static string? Value(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static List<string> Values(string[] args, string name) =>
        [.. args.Select((arg, i) => (arg, i)).Where(p => p.arg == name && p.i + 1 < args.Length).Select(p => args[p.i + 1])];
}
