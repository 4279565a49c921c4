using StationHub.Triggers;

namespace StationHub.Delivery;

/// <summary>Outbound delivery and the administrators' dead-letter API.</summary>
public static class DeliveryTriggers
{
    public static IReadOnlyList<TriggerFunction> All { get; } =
    [
        HttpFunction.Get<DeadLetterAdmin>(FunctionNames.DeadLettersList, Routes.DeadLetters, (admin, request, ct) => admin.ListAsync(request, ct)),
        HttpFunction.Post<DeadLetterAdmin>(FunctionNames.DeadLetterReplay, Routes.DeadLetterReplay, (admin, request, ct) => admin.ReplayAsync(request, ct)),
        QueueFunction.For<DeliveryProcessor>(FunctionNames.DeliverOutbound, Queues.Deliveries, (processor, message, ct) => processor.HandleAsync(message, ct)),
    ];
}
