using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StationHub.Platform.Telemetry;

namespace StationHub.Functions.Platform;

/// <summary>
/// OpenTelemetry in the Functions app: the worker's defaults (its invocation spans, the host's
/// context), the hub's spans (<see cref="HubTelemetry.SourceName"/>), its storage request count
/// (<see cref="StorageRequestMetrics.RequestsName"/>), and exporters by settings —
/// Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (with the app's managed
/// identity when <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> says <c>Authorization=AAD;ClientId=…</c>),
/// OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; neither by default.
/// </summary>
public static class Tracing
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IServiceCollection AddHubTracing(this IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing.AddSource(HubTelemetry.SourceName))
            .WithMetrics(metrics => metrics.AddMeter(StorageRequestMetrics.MeterName));
        if (!string.IsNullOrWhiteSpace(configuration[ConnectionStringSetting]))
        {
            var clientId = ClientId(configuration[AuthenticationSetting]);
            telemetry.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = configuration[ConnectionStringSetting];
                if (clientId is not null)
                {
                    options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
                }
            });
        }

        if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]))
        {
            telemetry.UseOtlpExporter();
        }

        return services;
    }

    /// <summary>The client id of <c>Authorization=AAD;ClientId=…</c>, or null.</summary>
    public static string? ClientId(string? authentication) =>
        authentication?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase) && pair[1].Length > 0)
            .Select(pair => pair[1])
            .FirstOrDefault();
}
