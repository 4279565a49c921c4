using StationHub.Platform.Http;
using StationHub.Triggers;

namespace StationHub.Contract;

/// <summary>The contract's own function: the OpenAPI 3.1 document of the hub.</summary>
public static class ContractTriggers
{
    public static IReadOnlyList<TriggerFunction> All { get; } =
    [
        new HttpFunction(FunctionNames.OpenApiDocument, ["GET", "HEAD"], Routes.OpenApiDocument, (_, _, _) => Task.FromResult(OpenApiContract.Answer()), Platform.Security.Caller.Public),
    ];
}
