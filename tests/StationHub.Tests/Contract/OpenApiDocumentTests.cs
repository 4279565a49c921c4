using System.Reflection;
using System.Text.Json.Nodes;
using StationHub.Contract;
using StationHub.HazardReports;
using StationHub.PickupOrders;
using StationHub.Points;
using StationHub.Triggers;

namespace StationHub.Tests.Contract;

/// <summary>The OpenAPI document against the code it is generated from: the trigger table and the event types.</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly JsonNode Document = JsonNode.Parse(OpenApiContract.Write(OpenApiContract.Build(HubTriggers.Http)))!;

    [Fact]
    public void The_document_is_OpenAPI_3_1()
    {
        Assert.StartsWith("3.1.", Document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Its_paths_and_methods_are_exactly_the_HTTP_rows_but_the_catch_all()
    {
        // HEAD answers as GET without a body (RFC 9110): served, not an operation of its own.
        var rows = HubTriggers.Http
            .Where(row => row.Name != FunctionNames.RouteNotFound)
            .SelectMany(row => row.Methods.Where(method => method != "HEAD").Select(method => $"{method.ToUpperInvariant()} /{row.Route}"))
            .Order(StringComparer.Ordinal);
        var documented = Document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => $"{operation.Key.ToUpperInvariant()} {path.Key}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(rows, documented);
    }

    [Fact]
    public void Each_operation_is_named_for_its_function()
    {
        var ids = Document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => operation.Value!["operationId"]!.GetValue<string>()))
            .Order(StringComparer.Ordinal);

        Assert.Equal(HubTriggers.Http.Where(row => row.Name != FunctionNames.RouteNotFound).Select(row => row.Name).Order(StringComparer.Ordinal), ids);
    }

    [Fact]
    public void A_row_without_a_description_stops_the_build_and_is_named()
    {
        var extra = new HttpFunction("UndescribedFunction", ["GET"], "api/v1/undescribed", (_, _, _) => throw new InvalidOperationException(), StationHub.Platform.Security.Caller.Public);

        var failure = Assert.Throws<InvalidOperationException>(() => OpenApiContract.Build([.. HubTriggers.Http, extra]));

        Assert.Contains("UndescribedFunction", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_event_type_the_hub_sends_is_a_webhook()
    {
        var sent = new[] { typeof(HazardReportEvents), typeof(PickupOrderEvents), typeof(PointsEvents), typeof(StationHub.Stations.StationStatusBook), typeof(StationHub.Delivery.EndpointEvents) }
            .SelectMany(type => type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(field => field.IsLiteral))
            .Select(field => (string)field.GetRawConstantValue()!)
            .Append(StationHub.GigWork.GigWorkTypes.PaymentOverdue)
            .Order(StringComparer.Ordinal);

        Assert.Equal(sent, Document["webhooks"]!.AsObject().Select(hook => hook.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_webhook_carries_an_envelope_of_its_own_type()
    {
        foreach (var (type, hook) in Document["webhooks"]!.AsObject())
        {
            var envelope = hook!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
            Assert.Equal(type, envelope["properties"]!["type"]!["enum"]![0]!.GetValue<string>());
            Assert.NotNull(envelope["properties"]!["data"]!["$ref"]);
        }
    }

    [Theory]
    [InlineData("""{"hubId":"h","status":"accepted"}""")]
    [InlineData("""{"hubId":"h","status":"accepted","statusUrl":42}""")]
    public void The_validator_refuses_a_body_that_breaks_the_documented_schema(string body)
    {
        var schemas = new DocumentSchemas(Document);

        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => schemas.AssertAnswer(FunctionNames.HazardReportReceived, 202, "application/json", System.Text.Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void The_validator_checks_formats_and_refuses_an_undocumented_status()
    {
        var schemas = new DocumentSchemas(Document);
        var badTime = """{"updateId":"u","serviceRequestId":"r","status":"acknowledged"}"""u8.ToArray();

        schemas.AssertAnswer(FunctionNames.CityUpdateReceived, 200, "application/json", badTime);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => schemas.AssertValid(JsonNode.Parse("""{"type":"string","format":"date-time"}""")!, "\"yesterday\""u8.ToArray(), "a time"));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => schemas.AssertAnswer(FunctionNames.LedgerPage, 418, "text/html", "<p>tea</p>"u8.ToArray()));
    }
}
