namespace StationHub.Triggers;

// The trigger table's name classes. Each flow's module declares its own part of them (its function
// names, routes, queues, tables and schedules), next to its rows; what is left here belongs to no
// flow. Lists of every queue and table loop over the flows (HubFlows).

/// <summary>Function names, shared by both hosts' logs and by the drift test.</summary>
public static partial class FunctionNames
{
    /// <summary>
    /// Any other path or method, answered as the hub answers every error (problem+json 404). The
    /// Functions app's generator names it to sort after every route it would shadow.
    /// </summary>
    public const string RouteNotFound = nameof(RouteNotFound);
}

/// <summary>
/// HTTP routes from the host's root. host.json sets <c>routePrefix</c> to empty, so the API's
/// <c>api/</c> is part of each route and the public ledger page can live at <c>/ledger</c>.
/// </summary>
public static partial class Routes
{
    /// <summary>Every path no other route serves (a catch-all has the lowest precedence on both hosts).</summary>
    public const string NotFound = "{*path}";
}

/// <summary>The setting that names the storage account of every queue trigger.</summary>
public static class Connections
{
    public const string Storage = "AzureWebJobsStorage";
}

/// <summary>Queue names (kebab-case); each has a <c>-poison</c> twin.</summary>
public static partial class Queues
{
    public const string PoisonSuffix = "-poison";

    /// <summary>Every flow's queues.</summary>
    public static IReadOnlyList<string> All { get; } = [.. HubFlows.All.SelectMany(flow => flow.QueueNames)];
}

/// <summary>Table names (PascalCase letters and digits).</summary>
public static partial class Tables
{
    /// <summary>The timer functions' claims on each occurrence (the local host's scheduler, across hosts).</summary>
    public const string TimerClaims = nameof(TimerClaims);

    /// <summary>Every flow's tables, and the hosts' own.</summary>
    public static IReadOnlyList<string> All { get; } = [.. HubFlows.All.SelectMany(flow => flow.TableNames), TimerClaims];
}

/// <summary>Six-field NCRONTAB schedules (second minute hour day month day-of-week), UTC.</summary>
public static partial class Schedules
{
}
