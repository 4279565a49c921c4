using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StationHub.Functions.Platform;
using StationHub.Platform;
using StationHub.Triggers;

// The Azure Functions app: the hub's services and the trigger table's rows, served through the
// ASP.NET Core integration so HTTP functions read the real request stream (chunked bodies too).
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddStationHub(builder.Configuration);
builder.Services.AddHubTracing(builder.Configuration);
builder.Services.AddSingleton(services => new FunctionRows(services, HubTriggers.All));
var host = builder.Build();

// Settings checked and queues and tables made before the worker takes its first invocation.
await HubStartup.PrepareAsync(host.Services);
await host.RunAsync();
