using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using StationHub.Platform.Telemetry;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Platform;

/// <summary>
/// One trace per item: a report's intake, routing and delivery spans share the trace of the intake
/// request's <c>traceparent</c> (or a new one), the context rides in every queue message, and the city
/// receives a <c>traceparent</c> of that trace. Spans are collected with an ActivityListener on the
/// hub's ActivitySource (the hosts subscribe with OpenTelemetry; the library knows only System.Diagnostics).
/// </summary>
public sealed class TracingTests : IDisposable
{
    private readonly ConcurrentBag<Activity> spans = [];
    private readonly ActivityListener listener;

    public TracingTests()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HubTelemetry.SourceName,
            // As OpenTelemetry's default sampler (parent-based, always on): a span whose parent is not
            // sampled is dropped, so a host activity nobody records must not become the intake's parent.
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent == default || options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded)
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.None,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public void Dispose() => listener.Dispose();

    [Fact]
    public async Task A_reports_intake_route_and_delivery_share_the_trace_of_the_intake_traceparent()
    {
        await using var world = await HubScenario.StartAsync();
        var traceId = ActivityTraceId.CreateRandom();
        var traceParent = $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";

        var hubId = await PostAsync(world, "r-traced", traceParent);

        var atCity = (await world.City.WaitForAsync(r => r.Count >= 1)).Single();
        Assert.Equal(traceId, ActivityContext.Parse(atCity.Header("traceparent"), null).TraceId);
        var names = await SpanNamesAsync(traceId, DeliveryFunctions);
        Assert.Contains("HazardReportReceived", names);
        Assert.Contains("RouteHazardReport", names);
        Assert.Contains(names, DeliveryFunctions.Contains);
        Assert.Contains("deliver hazard_report.routed", names);
        Assert.Contains(hubId, atCity.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-traceparent")]
    [InlineData("00-00000000000000000000000000000000-0000000000000000-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331")]
    public async Task Without_a_valid_traceparent_a_new_trace_starts_and_still_reaches_the_city(string? traceParent)
    {
        await using var world = await HubScenario.StartAsync();

        await PostAsync(world, "r-new-trace-" + Guid.NewGuid().ToString("N")[..6], traceParent);

        var atCity = (await world.City.WaitForAsync(r => r.Count >= 1)).Single();
        var traceId = ActivityContext.Parse(atCity.Header("traceparent"), null).TraceId;
        Assert.NotEqual(default, traceId);
        var names = await SpanNamesAsync(traceId, DeliveryFunctions);
        Assert.Contains("HazardReportReceived", names);
        Assert.Contains("RouteHazardReport", names);
    }

    [Fact]
    public async Task Without_a_traceparent_the_intake_starts_a_sampled_trace_of_its_own()
    {
        await using var world = await HubScenario.StartAsync();

        var hubId = await PostAsync(world, "r-unsampled-" + Guid.NewGuid().ToString("N")[..6], traceParent: null);

        var atCity = (await world.City.WaitForAsync(r => r.Count >= 1)).Single();
        var context = ActivityContext.Parse(atCity.Header("traceparent"), null);
        Assert.True(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded), $"the city got a traceparent that is not sampled: {atCity.Header("traceparent")}");
        var names = await SpanNamesAsync(context.TraceId, DeliveryFunctions);
        Assert.Contains("HazardReportReceived", names);
        var intake = spans.Single(span => span.TraceId == context.TraceId && span.DisplayName == "HazardReportReceived");
        Assert.Equal(default, intake.ParentSpanId);
        Assert.Contains(hubId, atCity.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_timer_run_has_a_span_of_its_own()
    {
        await using var world = await HubScenario.StartAsync();

        using var run = await world.Hub.RunNowAsync("CompileLedger");

        PlatformRetries.AssertAccepted(run);
        await Eventually.UntilAsync(() => spans.Any(span => span.DisplayName == "CompileLedger"), "a CompileLedger span");

        // Other tests' hubs in this process may run it too: any of the runs shows the span's shape.
        Assert.Contains(spans, span => span.DisplayName == "CompileLedger" && "timer".Equals(span.GetTagItem("faas.trigger")) && span.GetTagItem("faas.cron") is not null);
    }

    [Fact]
    public void The_context_is_added_in_front_of_a_message_and_read_back_and_an_old_message_has_none()
    {
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "vendor=1";
        var original = """{"schemaVersion":1,"data":{"traceParent":"nested, not read"}}"""u8.ToArray();

        var sent = QueueTrace.Attach(original);
        var (parent, state) = QueueTrace.Read(sent);

        Assert.Equal(activity.Id, parent);
        Assert.Equal("vendor=1", state);
        Assert.EndsWith("\"schemaVersion\":1,\"data\":{\"traceParent\":\"nested, not read\"}}", Encoding.UTF8.GetString(sent), StringComparison.Ordinal);
        Assert.Equal((null, null), QueueTrace.Read(original));
        Assert.Equal("{\"traceParent\":\"" + activity.Id + "\",\"traceState\":\"vendor=1\"}", Encoding.UTF8.GetString(QueueTrace.Attach("{}"u8.ToArray())));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("{\"traceParent\":42}")]
    [InlineData("{\"traceParent\":")]
    [InlineData("not json")]
    public void A_message_with_no_usable_context_reads_as_none(string message)
    {
        Assert.Null(QueueTrace.Read(Encoding.UTF8.GetBytes(message)).TraceParent);
    }

    private static async Task<string> PostAsync(HubScenario world, string reportId, string? traceParent)
    {
        using var request = Webhooks.Signed($"api/v1/platforms/{TestRegistry.Platform}/hazard-reports", Webhooks.HazardReport(reportId), world.PlatformSigner);
        if (traceParent is not null)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceParent);
        }

        using var response = await world.Hub.Client.SendAsync(request);
        PlatformRetries.AssertAccepted(response);
        var answer = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content);
        return answer.GetProperty("hubId").GetString()!;
    }

    /// <summary>The names of the trace's spans, once the one named <paramref name="last"/> has ended.</summary>
    // A delivery's span is named after the function of the queue shard its webhook-id chose.
    private static readonly string[] DeliveryFunctions = [.. StationHub.Triggers.FunctionNames.DeliverOutboundShards];

    private Task<List<string>> SpanNamesAsync(ActivityTraceId traceId, string[] last) =>
        Eventually.UntilAsync(
            () => Task.FromResult<List<string>>([.. spans.Where(span => span.TraceId == traceId).Select(span => span.DisplayName)]),
            names => names.Any(last.Contains),
            names => $"the trace has no span of {string.Join(" or ", last)} yet: {string.Join(", ", names)}");
}
