using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using StationHub.Triggers;

namespace StationHub.Functions.Platform;

/// <summary>What all flows share: the problem+json 404 for any path or method no other function serves.</summary>
public sealed class PlatformFunctions(FunctionRows rows)
{
    [Function(FunctionNames.RouteNotFound)]
    public Task<IActionResult> ZzRouteNotFound(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", "options", Route = Routes.NotFound)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.RouteNotFound, request);
}
