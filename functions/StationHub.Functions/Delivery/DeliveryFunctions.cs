using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using StationHub.Delivery;
using StationHub.Functions.Platform;
using StationHub.Triggers;

namespace StationHub.Functions.Delivery;

/// <summary>Outbound delivery and the administrators' dead-letter API.</summary>
public sealed class DeliveryFunctions(DeliveryProcessor processor, DeadLetterAdmin deadLetters)
{
    [Function(FunctionNames.DeadLettersList)]
    public Task<HttpResponseData> DeadLettersList(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.DeadLetters)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(deadLetters.ListAsync, cancellationToken);

    [Function(FunctionNames.DeadLetterReplay)]
    public Task<HttpResponseData> DeadLetterReplay(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.DeadLetterReplay)] HttpRequestData request,
        CancellationToken cancellationToken) =>
        request.HandleAsync(deadLetters.ReplayAsync, cancellationToken);

    [Function(FunctionNames.DeliverOutbound)]
    public Task DeliverOutbound(
        [QueueTrigger(Queues.Deliveries)] QueueMessage message,
        CancellationToken cancellationToken) =>
        processor.HandleAsync(message.Body, cancellationToken);
}
