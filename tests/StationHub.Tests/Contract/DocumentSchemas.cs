using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace StationHub.Tests.Contract;

/// <summary>
/// Checks bodies against the schemas of an OpenAPI 3.1 document with an independent JSON Schema
/// 2020-12 validator (JsonSchema.Net), formats included. A schema's references into
/// <c>#/components/schemas</c> are resolved by handing the validator those schemas as <c>$defs</c>.
/// </summary>
public sealed class DocumentSchemas(JsonNode document)
{
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    public JsonNode Document { get; } = document;

    /// <summary>The operation whose operationId is <paramref name="operationId"/>.</summary>
    public JsonNode Operation(string operationId) =>
        Document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => operation.Value!))
            .SingleOrDefault(operation => operation["operationId"]?.GetValue<string>() == operationId)
        ?? throw new Xunit.Sdk.XunitException($"The document has no operation {operationId}.");

    /// <summary>Asserts the answer's status is documented for the operation, its media type too, and its JSON body validates.</summary>
    public void AssertAnswer(string operationId, int status, string? mediaType, byte[] body)
    {
        var response = Operation(operationId)["responses"]![status.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            ?? throw new Xunit.Sdk.XunitException($"{operationId} answered {status}, which the document does not list: {System.Text.Encoding.UTF8.GetString(body)}");
        var content = response["content"]?.AsObject();
        if (body.Length == 0)
        {
            Assert.True(content is null, $"{operationId} {status}: the document promises a body; the answer had none.");
            return;
        }

        Assert.True(content is not null, $"{operationId} {status}: the answer has a body; the document promises none.");
        Assert.True(mediaType is not null && content!.ContainsKey(mediaType), $"{operationId} {status}: the answer is {mediaType}; the document lists {string.Join(", ", content!.Select(c => c.Key))}.");
        if (mediaType is "application/json" or "application/problem+json" or "application/geo+json")
        {
            AssertValid(content![mediaType]!["schema"]!, body, $"{operationId} {status}");
        }
    }

    /// <summary>Asserts <paramref name="body"/> validates against <paramref name="schema"/> (a schema of the document).</summary>
    public void AssertValid(JsonNode schema, byte[] body, string what)
    {
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = Document["components"]!["schemas"]!.DeepClone(),
            ["allOf"] = new JsonArray(schema.DeepClone()),
        };
        var text = root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        var built = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"https://stationhub.test/schemas/{Guid.NewGuid():N}"));
        using var instance = JsonDocument.Parse(body);

        var results = built.Evaluate(instance.RootElement, Evaluation);

        Assert.True(results.IsValid, $"{what}: the body does not match the document's schema: "
            + string.Join("; ", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")))
            + $" in {System.Text.Encoding.UTF8.GetString(body)}");
    }
}
