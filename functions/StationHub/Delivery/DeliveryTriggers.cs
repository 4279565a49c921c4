using StationHub.Platform.Security;
using StationHub.Triggers;

namespace StationHub.Delivery;

/// <summary>Outbound delivery and the administrators' dead-letter and endpoint APIs.</summary>
public static class DeliveryTriggers
{
    public static IReadOnlyList<TriggerFunction> All { get; } =
    [
        HttpFunction.Get<DeadLetterAdmin>(FunctionNames.DeadLettersList, Routes.DeadLetters, Caller.AdminKey, (admin, request, ct) => admin.ListAsync(request, ct)),
        HttpFunction.Post<DeadLetterAdmin>(FunctionNames.DeadLetterReplay, Routes.DeadLetterReplay, Caller.AdminKey, (admin, request, ct) => admin.ReplayAsync(request, ct)),
        HttpFunction.Get<EndpointAdmin>(FunctionNames.EndpointsList, Routes.Endpoints, Caller.AdminKey, (admin, request, ct) => admin.ListAsync(request, ct)),
        HttpFunction.Post<EndpointAdmin>(FunctionNames.EndpointPause, Routes.EndpointPause, Caller.AdminKey, (admin, request, ct) => admin.PauseAsync(request, ct)),
        HttpFunction.Post<EndpointAdmin>(FunctionNames.EndpointResume, Routes.EndpointResume, Caller.AdminKey, (admin, request, ct) => admin.ResumeAsync(request, ct)),
        HttpFunction.Post<EndpointAdmin>(FunctionNames.EndpointRecover, Routes.EndpointRecover, Caller.AdminKey, (admin, request, ct) => admin.RecoverAsync(request, ct)),
        QueueFunction.For<DeliveryProcessor>(FunctionNames.DeliverOutbound, Queues.Deliveries, (processor, message, ct) => processor.HandleAsync(message, ct)),
    ];
}
