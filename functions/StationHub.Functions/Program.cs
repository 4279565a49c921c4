using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using StationHub.Functions.Platform;
using StationHub.Platform;

// The Azure Functions app: the hub's services, problem+json for unhandled HTTP failures, and the
// functions of each flow (HazardReports/, Delivery/), found by the worker's source generator.
var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddStationHub(builder.Configuration);
builder.UseMiddleware<ProblemMiddleware>();
builder.Build().Run();
