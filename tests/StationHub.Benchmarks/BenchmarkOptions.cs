using System.Globalization;

namespace StationHub.Benchmarks;

/// <summary>The command line, with its defaults (a full run with them takes about five minutes).</summary>
public sealed record BenchmarkOptions
{
    public const int DefaultSeconds = 5;
    public const int DefaultRepeat = 3;
    public const double DefaultEndToEndRate = 20;
    public const int DefaultEndToEndSeconds = 20;
    public const double DefaultWarmUpSeconds = 4;
    public const int DefaultLedgerHistoryDays = 365;
    public const int DefaultLedgerHistoryEntriesPerDay = 1_000;
    public static readonly IReadOnlyList<int> DefaultConcurrencies = [1, 2, 4, 8, 16, 32, 64];
    public static readonly IReadOnlyList<int> DefaultLedgerSizes = [1_000, 10_000, 100_000];
    public static readonly IReadOnlyList<int> DefaultFlowConcurrencies = [1, 4, 16];
    public static readonly IReadOnlyList<string> AllParts = ["intake", "flows", "e2e", "ledger", "stations", "gig", "costs", "import"];
    public const double DefaultSoakMinutes = 12;
    public const double DefaultSoakRate = 25;

    /// <summary>Parts run only when named (the soak takes its minutes; the emulator probe measures Azurite, not the hub).</summary>
    public static readonly IReadOnlyList<string> OptInParts = ["soak", "emulator"];

    public const string Usage = """
        StationHub benchmark: intake throughput and ack latency against the storage limit, end-to-end
        latency, the ledger's sealing and verifying times and the local host's peak memory, on a
        private Azurite (in memory).

        dotnet run -c Release --project tests/StationHub.Benchmarks -- [options]
          --seconds N         length of each intake level and fixed-rate run (default 5)
          --repeat N          intake sweeps and fixed-rate runs, reported as medians (default 3)
          --concurrency LIST  intake concurrencies, comma-separated (default 1,2,4,8,16,32,64)
          --warmup N          seconds of unmeasured load on each fresh host (default 4)
          --turns N           turns each side of an intake level (hub, limit) takes, in the order hub, limit, limit,
                              hub, ..., each a slice of --seconds (default: two, or one per 5 s, whichever is more)
          --pin yes|no        the intake's emulator on a core of its own, the host and the clients on the others
                              (default yes; needs taskset, from util-linux)
          --e2e-rate N        end-to-end reports per second (default 20)
          --e2e-seconds N     end-to-end run length (default 20)
          --flow-concurrency LIST
                              concurrencies for the pickup-order and points intake (default 1,4,16)
          --ledger-sizes LIST entries in the sealed day, comma-separated (default 1000,10000,100000)
          --ledger-history N  earlier days sealed before the second round of seals (default 365)
          --ledger-history-entries N
                              entries in each earlier day (default 1000)
          --parts LIST        which parts to run: intake,flows,e2e,ledger,stations,gig,costs,import (default all; memory comes with intake),
                              and soak and emulator (only when named; emulator: Azurite's cost per request as its data grows)
          --soak-minutes N    the soak's length (default 12); the hub is killed at a third, Azurite frozen 20 s at two thirds
          --soak-rate N       the soak's requests per second (default 25)
          --soak-bare yes|no  after the soak, the same rate and length of reports through the bare 3-call client,
                              without and with the duplicate check's cell reads (default no)
          --soak-disk yes|no  the soak's Azurite on disk instead of in memory (default no)
          --hub URL           drive a hub that is already running (e.g. the Functions host) instead of starting one: the
                              intake part posts to it; costs says it cannot count an outside hub; other parts start their own
          --settings FILE     with --hub: its local.settings.json (or a JSON object of settings), for the platform's signing
                              secret (Secrets:Platforms:swiftride:SigningSecret) and its storage (AzureWebJobsStorage, Storage:Prefix)
          --functions-host DIR
                              with costs: also run the flows on the Azure Functions host whose build is in DIR (its
                              Microsoft.Azure.WebJobs.Script.WebHost.dll, built from its public source outside the repository),
                              counted at a proxy in front of the emulator, and its idle minute
          --functions-app DIR with --functions-host: the published app it serves (default artifacts/functions-app)
          --out PATH          JSON result (default artifacts/benchmarks/latest.json in the repository)
        """;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(DefaultSeconds);

    public int Repeat { get; init; } = DefaultRepeat;

    public IReadOnlyList<int> Concurrencies { get; init; } = DefaultConcurrencies;

    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(DefaultWarmUpSeconds);

    /// <summary>Turns a side of an intake level (<c>--turns</c>); null for <see cref="Measurement.Turns.For"/> the level's length.</summary>
    public int? TurnsSetting { get; init; }

    /// <summary>Turns each side of an intake level takes (<see cref="Measurement.Alternation"/>).</summary>
    public int Turns => TurnsSetting ?? Measurement.Turns.For(Duration);

    /// <summary>How long each of those turns is: a side's <see cref="Duration"/> shared among its <see cref="Turns"/>.</summary>
    public TimeSpan TurnLength => Duration / Turns;

    /// <summary>Whether the intake parts pin the emulator to a core of its own (<c>--pin</c>, <see cref="Measurement.CorePinning"/>).</summary>
    public bool Pin { get; init; } = true;

    public double EndToEndRate { get; init; } = DefaultEndToEndRate;

    public TimeSpan EndToEndDuration { get; init; } = TimeSpan.FromSeconds(DefaultEndToEndSeconds);

    public IReadOnlyList<int> FlowConcurrencies { get; init; } = DefaultFlowConcurrencies;

    public IReadOnlyList<int> LedgerSizes { get; init; } = DefaultLedgerSizes;

    public int LedgerHistoryDays { get; init; } = DefaultLedgerHistoryDays;

    public int LedgerHistoryEntriesPerDay { get; init; } = DefaultLedgerHistoryEntriesPerDay;

    public IReadOnlyList<string> Parts { get; init; } = AllParts;

    public string? Out { get; init; }

    /// <summary>A hub already running (<c>--hub</c>), driven instead of a child host; null to start one.</summary>
    public Uri? HubUrl { get; init; }

    /// <summary>That hub's settings file (<c>--settings</c>).</summary>
    public string? HubSettings { get; init; }

    /// <summary>A built Azure Functions host (<c>--functions-host</c>) for the costs part; null to count the local host only.</summary>
    public string? FunctionsHost { get; init; }

    /// <summary>The published app that host serves (<c>--functions-app</c>); null for artifacts/functions-app.</summary>
    public string? FunctionsApp { get; init; }

    public TimeSpan SoakDuration { get; init; } = TimeSpan.FromMinutes(DefaultSoakMinutes);

    public double SoakRate { get; init; } = DefaultSoakRate;

    public bool SoakBare { get; init; }

    public bool SoakDisk { get; init; }

    public bool Runs(string part) => Parts.Contains(part, StringComparer.Ordinal);

    /// <summary>Parses the arguments; null (after printing why) when they are not valid or help was asked for.</summary>
    public static BenchmarkOptions? Parse(IReadOnlyList<string> args, TextWriter error)
    {
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error.WriteLine(Usage);
                return null;
            }

            if (i + 1 >= args.Count)
            {
                error.WriteLine($"{name} needs a value.\n\n{Usage}");
                return null;
            }

            var value = args[++i];
            try
            {
                options = name switch
                {
                    "--seconds" => options with { Duration = TimeSpan.FromSeconds(Positive(value)) },
                    "--repeat" => options with { Repeat = (int)Positive(value) },
                    "--concurrency" => options with { Concurrencies = [.. value.Split(',').Select(part => (int)Positive(part)).Distinct().Order()] },
                    "--turns" => options with { TurnsSetting = (int)Math.Ceiling(Positive(value)) },
                    "--pin" => options with { Pin = YesNo(value) },
                    "--warmup" => options with { WarmUp = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
                    "--e2e-rate" => options with { EndToEndRate = Positive(value) },
                    "--e2e-seconds" => options with { EndToEndDuration = TimeSpan.FromSeconds(Positive(value)) },
                    "--flow-concurrency" => options with { FlowConcurrencies = [.. value.Split(',').Select(part => (int)Positive(part)).Distinct().Order()] },
                    "--ledger-sizes" => options with { LedgerSizes = [.. value.Split(',').Select(part => (int)Positive(part)).Distinct().Order()] },
                    "--ledger-history" => options with { LedgerHistoryDays = (int)Positive(value) },
                    "--ledger-history-entries" => options with { LedgerHistoryEntriesPerDay = (int)Positive(value) },
                    "--parts" => options with { Parts = ParseParts(value) },
                    "--out" => options with { Out = value },
                    "--hub" => options with { HubUrl = Uri.TryCreate(value.TrimEnd('/') + "/", UriKind.Absolute, out var hub) ? hub : throw new FormatException("an absolute URL") },
                    "--settings" => options with { HubSettings = File.Exists(value) ? value : throw new FormatException("no such file") },
                    "--functions-host" => options with { FunctionsHost = File.Exists(Path.Combine(value, "Microsoft.Azure.WebJobs.Script.WebHost.dll")) ? Path.GetFullPath(value) : throw new FormatException("no Microsoft.Azure.WebJobs.Script.WebHost.dll in that folder") },
                    "--functions-app" => options with { FunctionsApp = File.Exists(Path.Combine(value, "functions.metadata")) ? Path.GetFullPath(value) : throw new FormatException("no functions.metadata in that folder (dotnet publish functions/StationHub.Functions)") },
                    "--soak-minutes" => options with { SoakDuration = TimeSpan.FromMinutes(Positive(value)) },
                    "--soak-rate" => options with { SoakRate = Positive(value) },
                    "--soak-bare" => options with { SoakBare = YesNo(value) },
                    "--soak-disk" => options with { SoakDisk = YesNo(value) },
                    _ => throw new FormatException($"unknown option {name}"),
                };
            }
            catch (FormatException exception)
            {
                error.WriteLine($"{name} {value}: {exception.Message}\n\n{Usage}");
                return null;
            }
        }

        if (options.HubUrl is not null && options.HubSettings is null)
        {
            error.WriteLine($"--hub needs --settings FILE (the hub's signing secret and storage).\n\n{Usage}");
            return null;
        }

        return options;
    }

    private static string[] ParseParts(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = parts.Except(AllParts.Concat(OptInParts), StringComparer.Ordinal).ToArray();
        return unknown.Length == 0 && parts.Length > 0 ? parts : throw new FormatException($"parts are {string.Join(", ", AllParts.Concat(OptInParts))}");
    }

    private static bool YesNo(string text) => text is "yes" or "true" || (text is "no" or "false" ? false : throw new FormatException("yes or no"));

    private static double Positive(string text)
    {
        var value = double.Parse(text, CultureInfo.InvariantCulture);
        return value > 0 ? value : throw new FormatException("must be greater than zero");
    }
}
