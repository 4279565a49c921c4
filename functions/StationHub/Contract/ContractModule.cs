using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Contract;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Triggers;
using static StationHub.Contract.ApiAnswer;
using static StationHub.Contract.ApiShapes;

namespace StationHub.Contract
{
    /// <summary>The contract: the OpenAPI 3.1 document of every flow's routes and events.</summary>
    public sealed class ContractModule : FlowModule
    {
        public override IReadOnlyList<TriggerFunction> Functions { get; } =
        [
            new HttpFunction(FunctionNames.OpenApiDocument, ["GET", "HEAD"], Routes.OpenApiDocument, (_, _, _) => Task.FromResult(OpenApiContract.Answer()), Platform.Security.Caller.Public),
        ];

        public override IReadOnlyList<ApiOperation> Operations =>
        [
            new(FunctionNames.OpenApiDocument, ContractTag, "This OpenAPI 3.1 document",
                "Every route of the hub and every event it sends (webhooks), generated from the trigger table.")
            {
                Answers = [Json(200, "The document.", OpenApiDocumentSchema()) with { Headers = CacheHeaders }],
            },
        ];

        private static JsonNode OpenApiDocumentSchema() => JsonNode.Parse("""
            {
              "type": "object",
              "required": ["openapi", "info", "paths", "webhooks"],
              "properties": {
                "openapi": { "type": "string", "pattern": "^3\\.1\\." },
                "info": { "type": "object" },
                "paths": { "type": "object" },
                "webhooks": { "type": "object" },
                "components": { "type": "object" }
              }
            }
            """)!;
    }
}

namespace StationHub.Triggers
{
    public static partial class FunctionNames
    {
        public const string OpenApiDocument = nameof(OpenApiDocument);
    }

    public static partial class Routes
    {
        public const string OpenApiDocument = "api/v1/openapi.json";
    }
}
