using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using StationHub.Platform.Json;
using StationHub.Triggers;

namespace StationHub.Contract;

/// <summary>
/// The JSON Schemas (2020-12, as OpenAPI 3.1 takes them) of the hub's bodies, each a named component.
/// Bodies the hub writes with <see cref="HubJsonContext"/> are exported from their records
/// (<see cref="JsonSchemaExporter"/>), so a changed record changes its schema; bodies the hub reads
/// field by field (the webhooks in, a city's update) are written once, with the intake's limits. The
/// shared ones are here; each flow's are in its module (<see cref="FlowModule.Schemas"/>).
/// </summary>
public static class HubSchemas
{
    private const string ComponentPrefix = "#/components/schemas/";

    private static readonly JsonSchemaExporterOptions ExporterOptions = new()
    {
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = (context, schema) =>
            // Times go through UtcTimestampConverter, a custom converter the exporter cannot see into.
            context.TypeInfo.Type == typeof(DateTimeOffset) ? Timestamp()
            : context.TypeInfo.Type == typeof(DateTimeOffset?) ? new JsonObject { ["type"] = new JsonArray("string", "null"), ["format"] = "date-time" }
            : AsWritten(schema),
    };

    private static readonly Dictionary<string, Func<JsonNode>> Definitions = new(StringComparer.Ordinal)
    {
        [nameof(Problem)] = () => Export(HubJsonContext.Default.Problem),
        [nameof(Open311Error)] = () => Export(HubJsonContext.Default.Open311Error),
        [nameof(WebhookAnswer)] = () => Export(HubJsonContext.Default.WebhookAnswer),
    };

    public static JsonNode Problem => Ref(nameof(Problem));

    public static JsonNode Open311Error => Ref(nameof(Open311Error));

    public static JsonNode WebhookAnswer => Ref(nameof(WebhookAnswer));

    /// <summary>Every named schema, the shared ones and each flow's, freshly built: what the document's <c>components.schemas</c> holds.</summary>
    public static IReadOnlyDictionary<string, JsonNode> Components() =>
        All().OrderBy(pair => pair.Key, StringComparer.Ordinal).ToDictionary(pair => pair.Key, pair => pair.Value(), StringComparer.Ordinal);

    /// <summary>A reference to the named schema (shared, or a flow's); an unknown name fails at once.</summary>
    public static JsonObject Ref(string name) =>
        All().Any(pair => pair.Key == name)
            ? new JsonObject { ["$ref"] = ComponentPrefix + name }
            : throw new InvalidOperationException($"No schema is named {name}.");

    public static JsonNode ArrayOf(JsonNode items) => new JsonObject { ["type"] = "array", ["items"] = items.DeepClone() };

    public static JsonNode String(string? pattern = null, params string[] values)
    {
        var schema = new JsonObject { ["type"] = "string" };
        if (pattern is not null)
        {
            schema["pattern"] = pattern;
        }

        if (values.Length > 0)
        {
            schema["enum"] = new JsonArray([.. values.Select(value => JsonValue.Create(value))]);
        }

        return schema;
    }

    public static JsonNode Timestamp() => new JsonObject { ["type"] = "string", ["format"] = "date-time" };

    /// <summary>A Standard Webhooks envelope <c>{type, timestamp, data}</c> of the given types.</summary>
    public static JsonNode Envelope(IEnumerable<string> types, JsonNode data) => new JsonObject
    {
        ["type"] = "object",
        ["required"] = new JsonArray("type", "timestamp", "data"),
        ["properties"] = new JsonObject
        {
            ["type"] = String(null, [.. types]),
            ["timestamp"] = Timestamp(),
            ["data"] = data.DeepClone(),
        },
    };

    private static IEnumerable<KeyValuePair<string, Func<JsonNode>>> All() => Definitions.Concat(HubFlows.All.SelectMany(flow => flow.Schemas));

    /// <summary>
    /// Web defaults read numbers from strings too, so the exporter allows <c>["integer", "string"]</c>
    /// with a digits pattern; the hub always writes numbers, and the schema says what it writes.
    /// </summary>
    private static JsonNode AsWritten(JsonNode schema)
    {
        if (schema is JsonObject { } node && node["type"] is JsonArray types && node.ContainsKey("pattern")
            && types.Any(type => type?.GetValue<string>() is "integer" or "number"))
        {
            var numeric = types.Select(type => type!.GetValue<string>()).Where(type => type != "string").ToList();
            node["type"] = numeric.Count == 1 ? JsonValue.Create(numeric[0]) : new JsonArray([.. numeric.Select(type => JsonValue.Create(type))]);
            node.Remove("pattern");
        }

        return schema;
    }

    /// <summary>The schema of a record the hub writes with <see cref="HubJsonContext"/>.</summary>
    public static JsonNode Export<T>(JsonTypeInfo<T> typeInfo) => typeInfo.GetJsonSchemaAsNode(ExporterOptions);

    /// <summary>A schema written by hand (bodies the hub reads field by field).</summary>
    public static JsonNode Parse(string json) => JsonNode.Parse(json)!;
}
