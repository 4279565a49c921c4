using StationHub.Delivery;
using StationHub.LocalHost.Hosting;
using StationHub.Triggers;

namespace StationHub.LocalHost.Delivery;

/// <summary>Outbound delivery and the administrators' dead-letter API on the local host.</summary>
public static class DeliveryFunctions
{
    /// <summary>HTTP functions.</summary>
    public static void Map(IEndpointRouteBuilder app, LocalTriggerTable table)
    {
        app.MapFunction(table, FunctionNames.DeadLettersList, "GET", Routes.DeadLetters,
            (services, request, ct) => services.GetRequiredService<DeadLetterAdmin>().ListAsync(request, ct));
        app.MapFunction(table, FunctionNames.DeadLetterReplay, "POST", Routes.DeadLetterReplay,
            (services, request, ct) => services.GetRequiredService<DeadLetterAdmin>().ReplayAsync(request, ct));
    }

    /// <summary>Queue and timer functions, registered before the host is built.</summary>
    public static void Register(LocalTriggerTable table)
    {
        table.Queues.Add(new QueueFunction(FunctionNames.DeliverOutbound, Queues.Deliveries,
            (services, message, ct) => services.GetRequiredService<DeliveryProcessor>().HandleAsync(message, ct)));
    }
}
