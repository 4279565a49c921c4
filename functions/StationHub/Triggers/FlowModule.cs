using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Contract;
using StationHub.Ledger;
using StationHub.Platform.Registry;

namespace StationHub.Triggers;

/// <summary>
/// One flow of the hub, declared once in its own folder (<c>HazardReports/HazardReportsModule.cs</c>):
/// its functions (name, binding, handler), their OpenAPI text, its queues and tables, the events it
/// sends with their schemas, its services and its part of the public ledger. Names, routes and
/// schedules are constants of the module's part of <see cref="FunctionNames"/>, <see cref="Routes"/>,
/// <see cref="Queues"/>, <see cref="Tables"/> and <see cref="Schedules"/>. Hub-wide code (the trigger
/// table, DI, the OpenAPI document, storage provisioning, the ledger) loops over <see cref="HubFlows.All"/>.
/// </summary>
public abstract class FlowModule
{
    /// <summary>The flow's folder and namespace (<c>HazardReports</c>).</summary>
    public string Name => GetType().Name[..^"Module".Length];

    /// <summary>The flow's functions, in the order the Functions app lists them.</summary>
    public abstract IReadOnlyList<TriggerFunction> Functions { get; }

    /// <summary>The OpenAPI text of each of the flow's HTTP functions, keyed by function name.</summary>
    public virtual IReadOnlyList<ApiOperation> Operations => [];

    /// <summary>The queues the flow reads or writes (each gets a <c>-poison</c> twin).</summary>
    public virtual IReadOnlyList<string> QueueNames => [];

    /// <summary>The tables made ahead for the flow.</summary>
    public virtual IReadOnlyList<string> TableNames => [];

    /// <summary>The events the flow sends, with the schema of their <c>data</c>.</summary>
    public virtual IReadOnlyList<ApiEvent> Events => [];

    /// <summary>The flow's named schemas (the OpenAPI document's components), built on demand.</summary>
    public virtual IReadOnlyDictionary<string, Func<JsonNode>> Schemas { get; } = new Dictionary<string, Func<JsonNode>>();

    /// <summary>The flow's part of the public ledger, or null when it publishes no figures.</summary>
    public virtual LedgerSection? LedgerSection => null;

    /// <summary>What is wrong with the flow's section of the registry (each problem a phrase naming the entry); checked at start-up.</summary>
    public virtual IEnumerable<string> RegistryProblems(RegistryDocument document) => [];

    /// <summary>The registry sections this flow owns (read with <see cref="RegistrySection{T}"/>); the loader refuses a section no flow names.</summary>
    public virtual IReadOnlyList<string> RegistrySections => [];

    /// <summary>Registers the flow's services and options.</summary>
    public virtual void AddServices(IServiceCollection services, IConfiguration configuration)
    {
    }
}
