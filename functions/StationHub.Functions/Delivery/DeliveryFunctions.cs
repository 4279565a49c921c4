using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using StationHub.Functions.Platform;
using StationHub.Triggers;

namespace StationHub.Functions.Delivery;

/// <summary>Outbound delivery and the administrators' dead-letter and endpoint APIs. Each method hands its trigger to the row of the same name.</summary>
public sealed class DeliveryFunctions(FunctionRows rows)
{
    [Function(FunctionNames.DeadLettersList)]
    public Task<IActionResult> DeadLettersList(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.DeadLetters)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.DeadLettersList, request);

    [Function(FunctionNames.DeadLetterReplay)]
    public Task<IActionResult> DeadLetterReplay(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.DeadLetterReplay)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.DeadLetterReplay, request);

    [Function(FunctionNames.EndpointsList)]
    public Task<IActionResult> EndpointsList(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.Endpoints)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.EndpointsList, request);

    [Function(FunctionNames.EndpointPause)]
    public Task<IActionResult> EndpointPause(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.EndpointPause)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.EndpointPause, request);

    [Function(FunctionNames.EndpointResume)]
    public Task<IActionResult> EndpointResume(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.EndpointResume)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.EndpointResume, request);

    [Function(FunctionNames.EndpointRecover)]
    public Task<IActionResult> EndpointRecover(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.EndpointRecover)] HttpRequest request) =>
        rows.HttpAsync(FunctionNames.EndpointRecover, request);

    [Function(FunctionNames.DeliverOutbound)]
    public Task DeliverOutbound(
        [QueueTrigger(Queues.Deliveries, Connection = Connections.Storage)] QueueMessage message,
        CancellationToken cancellationToken) =>
        rows.QueueAsync(FunctionNames.DeliverOutbound, message, cancellationToken);
}
