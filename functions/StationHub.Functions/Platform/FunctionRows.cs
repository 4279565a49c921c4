using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using StationHub.Platform.Http;
using StationHub.Triggers;

namespace StationHub.Functions.Platform;

/// <summary>
/// Hands each function's trigger to the row of the trigger table with the function's name, so the
/// Functions app runs exactly what the local host runs. A name with no row of that kind fails at once.
/// </summary>
public sealed class FunctionRows(IServiceProvider services, IEnumerable<TriggerFunction> rows)
{
    private readonly Dictionary<string, TriggerFunction> byName = rows.ToDictionary(row => row.Name, StringComparer.Ordinal);

    /// <summary>Runs the HTTP row on the request; the row writes the whole answer.</summary>
    public async Task<IActionResult> HttpAsync(string name, HttpRequest request)
    {
        await Row<HttpFunction>(name).RunAsync(services, request.HttpContext);
        return new EmptyResult();
    }

    public Task QueueAsync(string name, QueueMessage message, CancellationToken cancellationToken) =>
        Row<QueueFunction>(name).RunAsync(services, message.Body, message.DequeueCount, cancellationToken);

    public Task TimerAsync(string name, CancellationToken cancellationToken) =>
        Row<TimerFunction>(name).RunAsync(services, cancellationToken);

    private T Row<T>(string name)
        where T : TriggerFunction =>
        byName.GetValueOrDefault(name) as T ?? throw new InvalidOperationException($"The trigger table has no {typeof(T).Name} named {name}.");
}
