using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using StationHub.Functions.Platform;
using StationHub.Triggers;

namespace StationHub.Functions.Contract;

/// <summary>The contract: the hub's OpenAPI 3.1 document. The method hands its trigger to the row of the same name.</summary>
public sealed class ContractFunctions(FunctionRows rows)
{
    [Function(FunctionNames.OpenApiDocument)]
    public Task<IActionResult> OpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.OpenApiDocument)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.OpenApiDocument, request);
}
