using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Http;
using StationHub.Platform.Storage;

namespace StationHub.Functions.Platform;

/// <summary>
/// Turns a failure no handler expected in an HTTP-triggered function into problem+json without
/// a stack trace: 503 with Retry-After when storage cannot be reached (nothing was accepted;
/// retry), 500 otherwise, as the local host's <c>UseHubErrors</c> does. Queue and timer
/// functions rethrow, so the queue extension retries the message and poisons it in the end.
/// </summary>
public sealed partial class ProblemMiddleware(ILogger<ProblemMiddleware> logger) : IFunctionsWorkerMiddleware
{
    private const string HttpTriggerType = "httpTrigger";

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (IsHttpTriggered(context) && !context.CancellationToken.IsCancellationRequested)
        {
            var request = await context.GetHttpRequestDataAsync();
            if (request is null)
            {
                throw;
            }

            var unavailable = HubStorage.IsUnreachable(exception);
            Log.RequestFailed(logger, exception, context.FunctionDefinition.Name, request.Method, request.Url.AbsolutePath);
            var problem = HubResponse.Problem(unavailable ? Problem.Unavailable("Storage is not reachable.") : Problem.Internal());
            context.GetInvocationResult().Value = await HttpAdapter.WriteAsync(request, problem, CancellationToken.None);
        }
    }

    private static bool IsHttpTriggered(FunctionContext context) =>
        context.FunctionDefinition.InputBindings.Values.Any(binding => binding.Type.Equals(HttpTriggerType, StringComparison.OrdinalIgnoreCase));

    private static partial class Log
    {
        [LoggerMessage(EventId = 9301, Level = LogLevel.Error, Message = "Function {Function}: request {Method} {Path} failed")]
        public static partial void RequestFailed(ILogger logger, Exception exception, string function, string method, string path);
    }
}
