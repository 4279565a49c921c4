using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using StationHub.Platform.Http;
using StationHub.Platform.Security;
using StationHub.Platform.Webhooks;
using StationHub.Triggers;

namespace StationHub.Contract;

/// <summary>
/// Builds the hub's OpenAPI 3.1 document (Microsoft.OpenApi) from the trigger table: one path per HTTP
/// row, with that row's methods and route, described by its flow's <see cref="FlowModule.Operations"/>;
/// the events the flows send (<see cref="FlowModule.Events"/>) as <c>webhooks</c>; the schemas of
/// <see cref="HubSchemas"/> and of the flows as components. A row with no description, or a description with no row,
/// stops the build with a message naming it.
/// </summary>
public static partial class OpenApiContract
{
    public const string Version = "1.1.0";
    public const string ApiKeyScheme = "apiKey";
    public const string Open311KeyScheme = "open311ApiKey";

    private const string ProblemMediaType = "application/problem+json";
    private const string JsonMediaType = "application/json";
    private const string XmlMediaType = "application/xml";
    private const string EventsTag = "Events";

    private static readonly Lazy<(byte[] Body, string ETag)> Written = new(() =>
    {
        var body = Encoding.UTF8.GetBytes(Write(Build(HubTriggers.Http)));
        return (body, "\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..32] + "\"");
    });

    private static readonly Dictionary<string, string> PathParameters = new(StringComparer.Ordinal)
    {
        ["platformId"] = "The platform's id in the registry.",
        ["hubId"] = "The id the hub gave the item (the hubId of the 202 answer).",
        ["courierId"] = "The platform's own id of the courier.",
        ["stationId"] = "The station's id in the registry.",
        ["orderId"] = "The order's hub id (the hubId the platform got, printed on the label).",
        ["voucherCode"] = "The voucher code the courier shows.",
        ["id"] = "The hub's id of the item (Open311 service_request_id, or a dead letter's deliveryId), or a registry entry's id.",
        ["bodyId"] = "A responsible body's id in the registry (unique across cities and bodies).",
        ["credentialId"] = "A credential's id, as issued or listed (cred_…).",
        ["date"] = "A day of the city's calendar, yyyy-MM-dd.",
        ["format"] = "json or xml, as GeoReport v2 asks.",
        ["file"] = "A file of the map page: leaflet.js, leaflet.css, map.js or map.css.",
    };

    /// <summary>The document, written once per process: a <c>200</c> with an ETag.</summary>
    public static HubResponse Answer() => new(
        StatusCodes.Ok,
        HubResponse.JsonContentType,
        Written.Value.Body,
        new Dictionary<string, string> { ["Cache-Control"] = "public, max-age=300", ["ETag"] = Written.Value.ETag });

    /// <summary>The OpenAPI 3.1 document of <paramref name="rows"/> (the catch-all route left out).</summary>
    public static OpenApiDocument Build(IEnumerable<HttpFunction> rows)
    {
        var served = rows.Where(row => row != HubTriggers.RouteNotFound).ToList();
        var described = HubFlows.All.SelectMany(flow => flow.Operations).ToDictionary(operation => operation.Function, StringComparer.Ordinal);
        var undescribed = served.Select(row => row.Name).Where(name => !described.ContainsKey(name)).ToList();
        var unserved = described.Keys.Where(name => served.All(row => row.Name != name)).ToList();
        if (undescribed.Count > 0 || unserved.Count > 0)
        {
            throw new InvalidOperationException(
                $"The OpenAPI descriptions and the trigger table differ: rows with no description: [{string.Join(", ", undescribed)}]; descriptions with no row: [{string.Join(", ", unserved)}].");
        }

        var document = new OpenApiDocument
        {
            Info = new OpenApiInfo
            {
                Title = "StationHub",
                Version = Version,
                Description = "The hub between delivery and e-commerce platforms, city management systems and stations: "
                    + "platform webhooks in (Standard Webhooks), Open311 GeoReport v2 for cities, station actions, the public ledger, "
                    + "and the events the hub sends (webhooks). Errors are RFC 9457 problem documents; Open311 routes answer "
                    + "GeoReport's own error array.",
                License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-StationHub" },
            },
            Servers =
            [
                new OpenApiServer { Url = "http://127.0.0.1:7071", Description = "The local host (or the Functions host run locally)." },
                new OpenApiServer
                {
                    Url = "https://{functionApp}.azurewebsites.net",
                    Description = "The Azure Functions app.",
                    Variables = new Dictionary<string, OpenApiServerVariable>(StringComparer.Ordinal) { ["functionApp"] = new() { Default = "stationhub", Description = "The function app's name." } },
                },
            ],
            Paths = [],
            Components = new OpenApiComponents
            {
                Schemas = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal),
                SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal)
                {
                    [ApiKeyScheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.ApiKey,
                        In = ParameterLocation.Header,
                        Name = ApiKeyHeader.Name,
                        Description = "The caller's API key: a platform's, a city system's, a station's or an administrator's, as the route says.",
                    },
                    [Open311KeyScheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.ApiKey,
                        In = ParameterLocation.Query,
                        Name = ApiKeyHeader.Open311Query,
                        Description = "A city system's API key in the query, as Open311 allows.",
                    },
                },
            },
            Webhooks = new Dictionary<string, IOpenApiPathItem>(StringComparer.Ordinal),
        };

        foreach (var (name, schema) in HubSchemas.Components())
        {
            document.Components.Schemas[name] = Schema(schema, document);
        }

        var tags = new SortedDictionary<string, OpenApiTag>(StringComparer.Ordinal);
        foreach (var row in served.OrderBy(row => row.Route, StringComparer.Ordinal))
        {
            var description = described[row.Name];
            tags.TryAdd(description.Tag, new OpenApiTag { Name = description.Tag, Description = ApiShapes.Tags[description.Tag] });
            var path = "/" + row.Route;
            if (!document.Paths.TryGetValue(path, out var item))
            {
                item = new OpenApiPathItem { Operations = [] };
                document.Paths[path] = item;
            }

            // HEAD answers as GET does, without a body (RFC 9110): it is not an operation of its own.
            foreach (var method in row.Methods.Where(method => method != "HEAD"))
            {
                ((OpenApiPathItem)item).Operations![new HttpMethod(method)] = Operation(row, description, document);
            }
        }

        tags.TryAdd(EventsTag, new OpenApiTag { Name = EventsTag, Description = "What the hub sends to cities and platforms: signed Standard Webhooks POSTs." });
        document.Tags = new HashSet<OpenApiTag>(tags.Values);
        foreach (var hubEvent in HubFlows.All.SelectMany(flow => flow.Events))
        {
            document.Webhooks[hubEvent.Type] = Webhook(hubEvent, document);
        }

        return document;
    }

    /// <summary>The document as OpenAPI 3.1 JSON.</summary>
    public static string Write(OpenApiDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        var writer = new OpenApiJsonWriter(text);
        document.SerializeAsV31(writer);
        return text.ToString();
    }

    private static OpenApiOperation Operation(HttpFunction row, ApiOperation description, OpenApiDocument document)
    {
        var parameters = new List<IOpenApiParameter>();
        foreach (Match match in RouteParameter().Matches(row.Route))
        {
            var name = match.Groups["name"].Value;
            parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Path,
                Required = true,
                Description = PathParameters.GetValueOrDefault(name) ?? throw new InvalidOperationException($"Route parameter {{{name}}} of {row.Name} has no description."),
                Schema = Schema(name == "format" ? HubSchemas.String(null, "json", "xml") : name == "date" ? new JsonObject { ["type"] = "string", ["format"] = "date" } : HubSchemas.String(), document),
            });
        }

        parameters.AddRange(description.Query.Select(query => Parameter(query, ParameterLocation.Query, document)));
        parameters.AddRange(description.Headers.Select(header => Parameter(header, ParameterLocation.Header, document)));
        if (DescribedAs(row.Caller) == ApiCaller.PlatformWebhook)
        {
            parameters.AddRange(WebhookHeaders(document));
        }

        var operation = new OpenApiOperation
        {
            OperationId = row.Name,
            Summary = description.Summary,
            Description = description.Description + CallerNote(DescribedAs(row.Caller)),
            Tags = new HashSet<OpenApiTagReference> { new(description.Tag, document) },
            Parameters = parameters,
            Security = Security(DescribedAs(row.Caller), document),
            Responses = [],
        };
        if (description.RequestBody is { } body)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "At most 64 KiB of UTF-8 JSON; chunked bodies are read too.",
                Content = new Dictionary<string, IOpenApiMediaType>(StringComparer.Ordinal) { [JsonMediaType] = new OpenApiMediaType { Schema = Schema(body, document) } },
            };
        }

        foreach (var answer in description.Answers)
        {
            operation.Responses[answer.Status.ToString(CultureInfo.InvariantCulture)] = Response(answer, document);
        }

        // Any route can fail without the handler's say: storage out of reach, or a fault.
        operation.Responses["500"] = Response(ApiAnswer.Problem(500, "The hub failed to handle the request; retry later."), document);
        operation.Responses["503"] = Response(ApiAnswer.Problem(503, "Storage is out of reach; retry after Retry-After seconds.") with
        {
            Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Retry-After"] = "Seconds to wait." },
        }, document);
        return operation;
    }

    private static OpenApiResponse Response(ApiAnswer answer, OpenApiDocument document)
    {
        var content = new Dictionary<string, IOpenApiMediaType>(StringComparer.Ordinal);
        switch (answer.Body)
        {
            case BodyKind.Json:
                content[JsonMediaType] = new OpenApiMediaType { Schema = Schema(answer.Schema!, document) };
                break;
            case BodyKind.Problem:
                content[ProblemMediaType] = new OpenApiMediaType { Schema = Schema(HubSchemas.Problem, document) };
                break;
            case BodyKind.Open311:
                content[JsonMediaType] = new OpenApiMediaType { Schema = Schema(answer.Schema!, document) };
                content[XmlMediaType] = new OpenApiMediaType { Schema = Schema(new JsonObject { ["type"] = "string", ["description"] = "The same, as GeoReport v2 XML." }, document) };
                break;
            case BodyKind.Open311Error:
                content[JsonMediaType] = new OpenApiMediaType { Schema = Schema(HubSchemas.ArrayOf(HubSchemas.Open311Error), document) };
                content[XmlMediaType] = new OpenApiMediaType { Schema = Schema(new JsonObject { ["type"] = "string", ["description"] = "The same, as GeoReport v2 XML (<errors><error>…)." }, document) };
                break;
            case BodyKind.Html:
                content["text/html"] = new OpenApiMediaType { Schema = Schema(HubSchemas.String(), document) };
                break;
            case BodyKind.Text:
                content["text/plain"] = new OpenApiMediaType { Schema = Schema(HubSchemas.String(), document) };
                break;
            case BodyKind.PageFile:
                content["text/javascript"] = new OpenApiMediaType { Schema = Schema(HubSchemas.String(), document) };
                content["text/css"] = new OpenApiMediaType { Schema = Schema(HubSchemas.String(), document) };
                break;
            case BodyKind.GeoJson:
                content["application/geo+json"] = new OpenApiMediaType { Schema = Schema(answer.Schema!, document) };
                break;
            case BodyKind.None:
            default:
                break;
        }

        return new OpenApiResponse
        {
            Description = answer.Description,
            Content = content.Count > 0 ? content : null,
            Headers = answer.Headers.Count > 0
                ? answer.Headers.ToDictionary(pair => pair.Key, pair => (IOpenApiHeader)new OpenApiHeader { Description = pair.Value, Schema = Schema(HubSchemas.String(), document) }, StringComparer.Ordinal)
                : null,
        };
    }

    private static OpenApiPathItem Webhook(ApiEvent hubEvent, OpenApiDocument document) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Post] = new OpenApiOperation
            {
                OperationId = "event_" + hubEvent.Type.Replace('.', '_'),
                Summary = hubEvent.Type,
                Description = $"Sent to the {hubEvent.Recipient}'s endpoint: {hubEvent.Summary} Signed with the recipient's own secret (Standard Webhooks); "
                    + "retried with exponential backoff, then dead-lettered; the webhook-id stays the same across retries, so drop repeats by it.",
                Tags = new HashSet<OpenApiTagReference> { new(EventsTag, document) },
                Parameters = [.. WebhookHeaders(document)],
                RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, IOpenApiMediaType>(StringComparer.Ordinal)
                    {
                        [JsonMediaType] = new OpenApiMediaType { Schema = Schema(HubSchemas.Envelope([hubEvent.Type], hubEvent.Data), document) },
                    },
                },
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse { Description = "Received. Any 2xx will do; anything else (or no answer within the timeout) is retried." },
                },
                Security = [],
            },
        },
    };

    private static IEnumerable<IOpenApiParameter> WebhookHeaders(OpenApiDocument document)
    {
        yield return new OpenApiParameter
        {
            Name = StandardWebhook.IdHeader,
            In = ParameterLocation.Header,
            Required = true,
            Description = "The message's id; the same id again is answered as the first time.",
            Schema = Schema(HubSchemas.String(), document),
        };
        yield return new OpenApiParameter
        {
            Name = StandardWebhook.TimestampHeader,
            In = ParameterLocation.Header,
            Required = true,
            Description = "Unix seconds; within 5 minutes of the receiver's clock.",
            Schema = Schema(HubSchemas.String("^[0-9]+$"), document),
        };
        yield return new OpenApiParameter
        {
            Name = StandardWebhook.SignatureHeader,
            In = ParameterLocation.Header,
            Required = true,
            Description = "Space-separated v1,<base64 HMAC-SHA256 of \"id.timestamp.body\"> with the secret whsec_<base64>.",
            Schema = Schema(HubSchemas.String("^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$"), document),
        };
    }

    private static OpenApiParameter Parameter(ApiParameter parameter, ParameterLocation location, OpenApiDocument document) => new()
    {
        Name = parameter.Name,
        In = location,
        Required = parameter.Required,
        Description = parameter.Description,
        Schema = Schema(parameter.Schema, document),
    };

    /// <summary>How the document describes the caller a row declares (and its runner enforces).</summary>
    private static ApiCaller DescribedAs(Platform.Security.Caller caller) => caller.Name switch
    {
        "public" => ApiCaller.Public,
        "platform signature" => ApiCaller.PlatformWebhook,
        "platform key" => ApiCaller.Platform,
        "city key" => ApiCaller.City,
        "station key" => ApiCaller.Station,
        "admin key" => ApiCaller.Admin,
        _ => throw new InvalidOperationException($"No description names the caller {caller.Name}."),
    };

    private static List<OpenApiSecurityRequirement> Security(ApiCaller caller, OpenApiDocument document) => caller switch
    {
        ApiCaller.Public or ApiCaller.PlatformWebhook => [],
        ApiCaller.City =>
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Open311KeyScheme, document)] = [] },
        ],
        _ => [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] }],
    };

    private static string CallerNote(ApiCaller caller) => caller switch
    {
        ApiCaller.Public => " Public: no key.",
        ApiCaller.PlatformWebhook => " Signed by the platform (Standard Webhooks headers, ±5 minutes).",
        ApiCaller.Platform => " The platform's x-api-key.",
        ApiCaller.City => " A city system's x-api-key, or api_key in the query.",
        ApiCaller.Station => " The station's x-api-key.",
        ApiCaller.Admin => " An administrator's x-api-key.",
        _ => string.Empty,
    };

    private static IOpenApiSchema Schema(JsonNode schema, OpenApiDocument document)
    {
        if (schema is JsonObject { Count: 1 } reference && reference["$ref"]?.GetValue<string>() is { } target && target.StartsWith("#/components/schemas/", StringComparison.Ordinal))
        {
            return new OpenApiSchemaReference(target["#/components/schemas/".Length..], document);
        }

        var parsed = new OpenApiJsonReader().ReadFragment<OpenApiSchema>(schema.DeepClone(), OpenApiSpecVersion.OpenApi3_1, document, out var diagnostic);
        if (diagnostic?.Errors.Count > 0 || parsed is null)
        {
            throw new InvalidOperationException($"A schema does not read as OpenAPI 3.1: {string.Join("; ", diagnostic?.Errors.Select(error => error.Message) ?? [])} in {schema.ToJsonString()}");
        }

        return parsed;
    }

    [GeneratedRegex(@"\{\*?(?<name>[A-Za-z]+)[^}]*\}")]
    private static partial Regex RouteParameter();
}
