using System.Text;
using System.Text.Json;
using StationHub.Platform.Webhooks;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Platform;

public sealed class StandardWebhookTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_795_000_000);

    public static TheoryData<string, string, long, string, string> ReferenceVectors()
    {
        // Produced by the reference `standardwebhooks` npm package (see the file's "source").
        using var document = JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData("standard-webhooks-vectors.json")));
        var data = new TheoryData<string, string, long, string, string>();
        foreach (var vector in document.RootElement.GetProperty("vectors").EnumerateArray())
        {
            data.Add(
                vector.GetProperty("secret").GetString()!,
                vector.GetProperty("id").GetString()!,
                vector.GetProperty("timestamp").GetInt64(),
                vector.GetProperty("body").GetString()!,
                vector.GetProperty("signature").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReferenceVectors))]
    public void Signs_exactly_as_the_reference_library(string secret, string id, long timestamp, string body, string expected)
    {
        var signature = new StandardWebhook(secret).Sign(id, DateTimeOffset.FromUnixTimeSeconds(timestamp), Encoding.UTF8.GetBytes(body));

        Assert.Equal(expected, signature);
    }

    [Theory]
    [MemberData(nameof(ReferenceVectors))]
    public void Verifies_the_reference_library_signatures(string secret, string id, long timestamp, string body, string signature)
    {
        var result = new StandardWebhook(secret).Verify(id, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), signature, Encoding.UTF8.GetBytes(body), DateTimeOffset.FromUnixTimeSeconds(timestamp + 10));

        Assert.True(result.IsValid, result.Reason);
    }

    [Fact]
    public void Accepts_a_header_with_several_signatures_when_one_matches()
    {
        var webhook = new StandardWebhook(StandardWebhook.NewSecret());
        var body = "{}"u8.ToArray();
        var good = webhook.Sign("msg_1", Now, body);
        var header = $"v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v2,whatever {good}";

        Assert.True(webhook.Verify("msg_1", Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), header, body, Now).IsValid);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void Refuses_a_timestamp_outside_five_minutes(int offsetSeconds)
    {
        var webhook = new StandardWebhook(StandardWebhook.NewSecret());
        var body = "{}"u8.ToArray();
        var sent = Now.AddSeconds(offsetSeconds);
        var signature = webhook.Sign("msg_1", sent, body);

        var result = webhook.Verify("msg_1", sent.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), signature, body, Now);

        Assert.False(result.IsValid);
        Assert.Contains("tolerance", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_changed_body_id_or_secret()
    {
        var secret = StandardWebhook.NewSecret();
        var webhook = new StandardWebhook(secret);
        var ts = Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = webhook.Sign("msg_1", Now, "{\"a\":1}"u8);

        Assert.False(webhook.Verify("msg_1", ts, signature, "{\"a\":2}"u8, Now).IsValid);
        Assert.False(webhook.Verify("msg_2", ts, signature, "{\"a\":1}"u8, Now).IsValid);
        Assert.False(new StandardWebhook(StandardWebhook.NewSecret()).Verify("msg_1", ts, signature, "{\"a\":1}"u8, Now).IsValid);
        Assert.True(webhook.Verify("msg_1", ts, signature, "{\"a\":1}"u8, Now).IsValid);
    }

    [Theory]
    [InlineData(null, "1795000000", "v1,abc")]
    [InlineData("msg_1", null, "v1,abc")]
    [InlineData("msg_1", "1795000000", null)]
    [InlineData("msg_1", "not-a-number", "v1,abc")]
    [InlineData("msg_1", "1795000000", "v1,not base64!")]
    [InlineData("msg_1", "1795000000", "no-version-prefix")]
    public void Refuses_missing_or_malformed_headers(string? id, string? timestamp, string? signature)
    {
        var result = new StandardWebhook(StandardWebhook.NewSecret()).Verify(id, timestamp, signature, "{}"u8, Now);

        Assert.False(result.IsValid);
    }

    [Theory]
    [InlineData("whsec_tooshort")]
    [InlineData("whsec_!!!notbase64")]
    [InlineData("")]
    public void Refuses_a_weak_or_malformed_secret(string secret)
    {
        Assert.ThrowsAny<ArgumentException>(() => new StandardWebhook(secret));
    }
}
