using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StationHub.Functions.Platform;
using StationHub.Platform;
using StationHub.Platform.Telemetry;
using StationHub.Triggers;

// The Azure Functions app: the hub's services and the trigger table's rows, served through the
// ASP.NET Core integration so HTTP functions read the real request stream (chunked bodies too).
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// The worker sends each log it keeps to the host over gRPC: the framework's per-request lines stay at Warning.
builder.Logging.AddHubLogFilters();
builder.Services.AddStationHub(builder.Configuration);
builder.Services.AddHubTracing(builder.Configuration);
builder.Services.AddSingleton(services => new FunctionRows(services, HubTriggers.All));
var host = builder.Build();

// Settings checked before the worker takes its first invocation (a missing one stops it, named);
// queues and tables made beside it, again and again while storage is out of reach, so a worker
// started during an outage comes up at once and answers 503 until storage is back.
HubStartup.CheckSettingsOrThrow(host.Services);
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
var storageReady = HubStartup.EnsureStorageAsync(host.Services, lifetime.ApplicationStopping);
await host.RunAsync();
await storageReady.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
