using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StationHub.Contract;
using StationHub.Delivery;
using StationHub.Ledger.Checkpoints;
using StationHub.Ledger.Integrity;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Triggers;
using static StationHub.Contract.ApiAnswer;
using static StationHub.Contract.ApiShapes;

namespace StationHub.Ledger
{
    /// <summary>The public ledger: the API, the page, compiling the day so far, sealing past days, signed checkpoints and their witnesses.</summary>
    public sealed class LedgerModule : FlowModule
    {
        /// <summary>The registry's ledger witnesses: ids once each and well formed, each with a cosignature/v1 verifier key.</summary>
        public override IEnumerable<string> RegistryProblems(RegistryDocument document)
        {
            var problems = new List<string>();
            RegistryLoader.Unique((document.Witnesses ?? []).Select(w => w.Id), "witness id", problems);
            foreach (var witness in document.Witnesses ?? [])
            {
                if (string.IsNullOrEmpty(witness.Id) || !witness.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                {
                    problems.Add($"witness id '{witness.Id}' must be letters, digits, '-' and '_'");
                }

                try
                {
                    if (NoteVerifier.Parse(witness.VerifierKey ?? string.Empty).Type != NoteKeys.CosignatureV1)
                    {
                        problems.Add($"witness '{witness.Id}' must have a cosignature/v1 verifier key (type 0x04)");
                    }
                }
                catch (FormatException)
                {
                    problems.Add($"witness '{witness.Id}' has a malformed verifier key");
                }
            }

            return problems;
        }

        public override IReadOnlyList<TriggerFunction> Functions { get; } =
        [
            HttpFunction.Get<LedgerApi>(FunctionNames.LedgerDays, Routes.Ledger, Caller.Public, (api, request, ct) => api.DaysAsync(request, ct)),
            HttpFunction.Get<LedgerApi>(FunctionNames.LedgerDay, Routes.LedgerDay, Caller.Public, (api, request, ct) => api.DayAsync(request, ct)),
            HttpFunction.Get<LedgerApi>(FunctionNames.LedgerProof, Routes.LedgerProof, Caller.Public, (api, request, ct) => api.ProofAsync(request, ct)),
            HttpFunction.Get<LedgerPage>(FunctionNames.LedgerPage, Routes.LedgerPage, Caller.Public, (page, request, ct) => page.HandleAsync(request, ct)),
            HttpFunction.Get<LedgerCheckpointApi>(FunctionNames.LedgerCheckpointKey, Routes.LedgerKey, Caller.Public, (api, request, ct) => api.KeyAsync(request, ct)),
            HttpFunction.Get<LedgerCheckpointApi>(FunctionNames.LedgerCheckpoint, Routes.LedgerCheckpoint, Caller.Public, (api, request, ct) => api.LatestAsync(request, ct)),
            HttpFunction.Get<LedgerCheckpointApi>(FunctionNames.LedgerDayCheckpoint, Routes.LedgerDayCheckpoint, Caller.Public, (api, request, ct) => api.DayAsync(request, ct)),
            HttpFunction.Get<LedgerCheckpointApi>(FunctionNames.LedgerConsistency, Routes.LedgerConsistency, Caller.Public, (api, request, ct) => api.ConsistencyAsync(request, ct)),
            QueueFunction.For<WitnessCosigning>(FunctionNames.CosignLedgerCheckpoint, Queues.LedgerWitness, (cosigning, message, ct) => cosigning.HandleAsync(message, ct)),
            TimerFunction.For<LedgerSealer>(FunctionNames.CompileLedger, Schedules.CompileLedger, (sealer, ct) => sealer.CompileTodayAsync(ct)),
            TimerFunction.For<LedgerSealing>(FunctionNames.SealLedger, Schedules.SealLedger, (sealing, ct) => sealing.RunAsync(ct)),
        ];

        public override IReadOnlyList<ApiOperation> Operations =>
        [
            new(FunctionNames.LedgerDays, LedgerTag, "List the sealed days", "Each sealed day with its hash and the previous day's.")
            {
                Headers = [IfNoneMatch],
                Answers = [Json(200, "The sealed days, oldest first.", HubSchemas.ArrayOf(HubSchemas.Ref("LedgerDayLink"))) with { Headers = CacheHeaders }, NotModified()],
            },
            new(FunctionNames.LedgerDay, LedgerTag, "Read a day's summary",
                "A sealed day exactly as sealed (cacheable for ever), or today's draft. No personal data.")
            {
                Headers = [IfNoneMatch],
                Answers = [Json(200, "The day.", HubSchemas.Ref("LedgerDay")) with { Headers = CacheHeaders }, NotModified(), Problem(400, "The date is not yyyy-MM-dd."), Problem(404, "The ledger has no such day.")],
            },
            new(FunctionNames.LedgerProof, LedgerTag, "Prove a figure is in a sealed day", "An RFC 9162 inclusion proof of one figure.")
            {
                Query =
                [
                    new("scope", "The figure's scope, e.g. station~st-hz-01.", HubSchemas.String(), Required: true),
                    new("kind", "The figure's kind, e.g. pickup.collected.", HubSchemas.String(), Required: true),
                ],
                Answers = [Json(200, "The proof.", HubSchemas.Ref("LedgerProof")), Problem(400, "The date is not yyyy-MM-dd, or scope or kind is missing."), Problem(404, "The day is not sealed, or has no such figure.")],
            },
            new(FunctionNames.LedgerPage, LedgerTag, "The ledger as a page", "The public ledger for people, with charts: reports by district and, beside them, worker needs heard and answered by district and body; every share with its sample, and a share of fewer than 10 cases marked too few to judge.")
            {
                Answers = [new(200, "The page.", BodyKind.Html)],
            },
            new(FunctionNames.LedgerCheckpointKey, LedgerTag, "The hub's verifier key",
                "The C2SP signed-note verifier key (Ed25519) that signs the ledger's checkpoints.")
            {
                Answers = [new(200, "The verifier key.", BodyKind.Text)],
            },
            new(FunctionNames.LedgerCheckpoint, LedgerTag, "The latest signed checkpoint",
                "A C2SP tlog-checkpoint of the tree over every sealed day, signed by the hub, with the witnesses' cosignatures appended.")
            {
                Answers = [new(200, "The signed note.", BodyKind.Text), Problem(404, "No day has been sealed into the tree yet.")],
            },
            new(FunctionNames.LedgerDayCheckpoint, LedgerTag, "A sealed day's signed checkpoint", "The checkpoint made right after the day was added to the tree.")
            {
                Answers = [new(200, "The signed note.", BodyKind.Text), Problem(400, "The date is not yyyy-MM-dd."), Problem(404, "The day is not sealed, or not yet in the tree.")],
            },
            new(FunctionNames.LedgerConsistency, LedgerTag, "Prove one tree size extends another", "An RFC 9162 consistency proof between two tree sizes.")
            {
                Query =
                [
                    new("from", "The older tree size (0 or more).", HubSchemas.String("^[0-9]+$"), Required: true),
                    new("to", "The newer tree size (at most the tree's size).", HubSchemas.String("^[0-9]+$"), Required: true),
                ],
                Answers = [Json(200, "The proof (hex hashes).", HubSchemas.Ref("LedgerConsistency")), Problem(400, "The sizes are missing, not whole numbers, out of order or beyond the tree.")],
            },
        ];

        public override IReadOnlyList<string> QueueNames { get; } = [Queues.LedgerWitness];

        public override IReadOnlyList<string> TableNames { get; } = [Tables.LedgerDays, Tables.LedgerTree, Tables.LedgerCheckpoints];

        public override IReadOnlyDictionary<string, Func<JsonNode>> Schemas { get; } = new Dictionary<string, Func<JsonNode>>(StringComparer.Ordinal)
        {
            ["LedgerDayLink"] = () => HubSchemas.Export(HubJsonContext.Default.LedgerDayLink),
            ["LedgerDay"] = () => HubSchemas.Parse("""
                {
                  "type": "object",
                  "description": "A day's summary, exactly as published; once sealed, its hash is the SHA-256 (hex) of its RFC 8785 canonical JSON without 'hash'.",
                  "required": ["date", "timeZone", "sealed", "prevHash", "figures", "leafCount", "merkleRoot"],
                  "properties": {
                    "date": { "type": "string", "format": "date" },
                    "timeZone": { "type": "string", "description": "The IANA zone of the day." },
                    "sealed": { "type": "boolean", "description": "False for today's draft, which changes until it is sealed." },
                    "prevHash": { "type": "string", "description": "The previous sealed day's hash (hex)." },
                    "hash": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                    "figures": {
                      "type": "object",
                      "description": "Per scope (station~id, district~code, body~id, total), per kind: a count, a sum or a share. A share (kind ending -bp, basis points) carries its sample size beside it in the same scope (e.g. report.ack-within-24h-sample, need.answered-within-sla-sample, station.night-minutes). Worker needs are counted apart as need.* (received, first-response, answered-within-sla, resolved, reopened) by district and by responsible body (body~id: the body, else the city; totals leave body scopes out). report.resolved-held and need.resolved-held are resolved less reopened: a reopening takes back the resolution it undoes.",
                      "additionalProperties": { "type": "object", "additionalProperties": { "type": "integer" } }
                    },
                    "leafCount": { "type": "integer", "minimum": 0 },
                    "merkleRoot": { "type": "string", "pattern": "^[0-9a-f]{64}$" }
                  }
                }
                """),
            ["LedgerProof"] = () => HubSchemas.Export(HubJsonContext.Default.LedgerProof),
            ["LedgerConsistency"] = () => HubSchemas.Export(HubJsonContext.Default.LedgerConsistency),
        };
        public override void AddServices(IServiceCollection services, IConfiguration configuration)
        {
            services.AddValidatedOptions<LedgerOptions, LedgerOptionsValidator>(configuration, LedgerOptions.Section)
                .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "Ledger:TimeZone must be an IANA time zone id such as Asia/Shanghai.");
            services.AddSingleton<LedgerEntryWriter>();
            services.AddSingleton<LedgerStore>();
            services.AddSingleton<LedgerSealer>();
            services.AddSingleton<LedgerApi>();
            services.AddSingleton<LedgerPage>();
            services.AddSingleton(_ => new LedgerSigningKey(configuration));
            services.AddSingleton<LedgerTreeStore>();
            services.AddSingleton<LedgerCheckpoints>();
            services.AddSingleton<LedgerSealing>();
            services.AddSingleton<LedgerCheckpointApi>();
            services.AddSingleton<CheckpointSection>();
            services.AddSingleton<WitnessRequests>();
            services.AddSingleton<WitnessCosigning>();
            services.AddHttpClient(WitnessCosigning.HttpClientName, (provider, client) =>
                {
                    client.Timeout = provider.GetRequiredService<IOptions<DeliveryOptions>>().Value.Timeout;
                    client.DefaultRequestHeaders.UserAgent.ParseAdd("StationHub/1.0");
                })
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        }
    }
}

namespace StationHub.Triggers
{
    public static partial class FunctionNames
    {
        public const string LedgerDays = nameof(LedgerDays);
        public const string LedgerDay = nameof(LedgerDay);
        public const string LedgerProof = nameof(LedgerProof);
        public const string LedgerPage = nameof(LedgerPage);
        public const string LedgerCheckpointKey = nameof(LedgerCheckpointKey);
        public const string LedgerCheckpoint = nameof(LedgerCheckpoint);
        public const string LedgerDayCheckpoint = nameof(LedgerDayCheckpoint);
        public const string LedgerConsistency = nameof(LedgerConsistency);
        public const string CosignLedgerCheckpoint = nameof(CosignLedgerCheckpoint);
        public const string CompileLedger = nameof(CompileLedger);
        public const string SealLedger = nameof(SealLedger);
    }

    public static partial class Routes
    {
        public const string Ledger = "api/v1/ledger";
        public const string LedgerDay = "api/v1/ledger/{date}";
        public const string LedgerProof = "api/v1/ledger/{date}/proof";
        public const string LedgerPage = "ledger";
        public const string LedgerKey = "api/v1/ledger/key";
        public const string LedgerCheckpoint = "api/v1/ledger/checkpoint";
        public const string LedgerDayCheckpoint = "api/v1/ledger/{date}/checkpoint";
        public const string LedgerConsistency = "api/v1/ledger/consistency";
    }

    public static partial class Queues
    {
        public const string LedgerWitness = "ledger-witness";
    }

    public static partial class Tables
    {
        /// <summary>
        /// The base name of the ledger's entry tables: one per city-local day
        /// (<c>LedgerEntries20261122</c>), created by the day's first write, so compiling a day reads
        /// a table of that day alone, however long the history (see <see cref="LedgerEntriesOf"/>).
        /// Not in <see cref="All"/>: nothing declares them ahead.
        /// </summary>
        public const string LedgerEntries = nameof(LedgerEntries);

        /// <summary>The entry table of one city-local day, given as <c>yyyyMMdd</c>.</summary>
        public static string LedgerEntriesOf(string day) => LedgerEntries + day;

        public const string LedgerDays = nameof(LedgerDays);

        /// <summary>The perfect subtrees of the one Merkle tree over every sealed day's leaves.</summary>
        public const string LedgerTree = nameof(LedgerTree);

        /// <summary>Each sealed day's place in that tree, its signed checkpoint and the witnesses' cosignatures.</summary>
        public const string LedgerCheckpoints = nameof(LedgerCheckpoints);
    }

    public static partial class Schedules
    {
        /// <summary>Every 15 minutes: the public ledger's day so far.</summary>
        public const string CompileLedger = "0 */15 * * * *";

        /// <summary>Hourly at :05: seal every complete day of the city's calendar not yet sealed.</summary>
        public const string SealLedger = "0 5 * * * *";
    }
}
