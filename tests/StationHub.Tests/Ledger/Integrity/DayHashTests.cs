using System.Text.Json;
using System.Text.Json.Nodes;
using StationHub.Ledger.Integrity;

namespace StationHub.Tests.Ledger.Integrity;

public sealed class DayHashTests
{
    // Pretty-printed and out of order on purpose: the hash must not see either.
    private const string Summary = """
        {
          "stations": [ { "id": "st-hz-01", "pickups": { "received": 40, "collected": 37, "expired": 1 } } ],
          "prevHash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
          "hub": { "reports": { "routed": 11, "received": 12 } },
          "date": "2026-11-22"
        }
        """;

    // SHA-256 of {"date":"2026-11-22","hub":{"reports":{"received":12,"routed":11}},"prevHash":"9f86…0a08",
    // "stations":[{"id":"st-hz-01","pickups":{"collected":37,"expired":1,"received":40}}]}, computed apart
    // from this code.
    private const string SummaryHash = "dc73dab8bd5ad76f456eda090bf32430886ea6ec4158dc5ee7edbb5b640c2569";

    [Fact]
    public void The_hash_is_the_lowercase_hex_sha256_of_the_canonical_summary()
    {
        Assert.Equal(SummaryHash, DayHash.Compute(Parse(Summary)));
    }

    [Fact]
    public void Member_order_and_whitespace_do_not_change_the_hash()
    {
        var compact = """{"date":"2026-11-22","hub":{"reports":{"received":12,"routed":11}},"prevHash":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","stations":[{"id":"st-hz-01","pickups":{"collected":37,"expired":1,"received":40}}]}""";

        Assert.Equal(DayHash.Compute(Parse(Summary)), DayHash.Compute(Parse(compact)));
    }

    [Fact]
    public void A_published_day_is_hashed_without_its_hash_member()
    {
        var published = Publish(Summary);

        Assert.Equal(SummaryHash, DayHash.Recompute(published));
        Assert.True(DayHash.IsIntact(published));
    }

    [Fact]
    public void The_previous_days_hash_is_part_of_what_is_hashed()
    {
        var other = JsonNode.Parse(Summary)!.AsObject();
        other[DayHash.PrevHashMember] = new string('0', 64);

        Assert.NotEqual(SummaryHash, DayHash.Compute(Parse(other.ToJsonString())));
    }

    [Theory]
    [InlineData("date", "\"2026-11-23\"")]
    [InlineData("prevHash", "\"0000000000000000000000000000000000000000000000000000000000000000\"")]
    [InlineData("hub", "{\"reports\":{\"received\":13,\"routed\":11}}")]
    [InlineData("extra", "0")]
    public void A_published_day_with_any_figure_changed_is_not_intact(string member, string value)
    {
        var day = JsonNode.Parse(Publish(Summary).GetRawText())!.AsObject();
        day[member] = JsonNode.Parse(value);

        Assert.False(DayHash.IsIntact(Parse(day.ToJsonString())));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("DC73DAB8BD5AD76F456EDA090BF32430886EA6EC4158DC5EE7EDBB5B640C2569")]
    [InlineData("dc73dab8bd5ad76f456eda090bf32430886ea6ec4158dc5ee7edbb5b640c256")]
    public void A_day_without_its_exact_hash_is_not_intact(string? hash)
    {
        var day = JsonNode.Parse(Summary)!.AsObject();
        if (hash is not null)
        {
            day[DayHash.HashMember] = hash;
        }

        Assert.False(DayHash.IsIntact(Parse(day.ToJsonString())));
    }

    [Fact]
    public void Only_the_top_level_hash_member_is_left_out()
    {
        var nested = Parse("""{"date":"2026-11-22","proof":{"hash":"abc"}}""");

        Assert.NotEqual(DayHash.Compute(Parse("""{"date":"2026-11-22","proof":{}}""")), DayHash.Compute(nested));
        Assert.Equal(DayHash.Compute(nested), DayHash.Recompute(nested));
    }

    [Fact]
    public void A_summary_that_already_has_a_hash_is_refused_by_compute()
    {
        Assert.Throws<ArgumentException>(() => DayHash.Compute(Publish(Summary)));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"2026-11-22\"")]
    [InlineData("null")]
    public void A_summary_that_is_not_an_object_is_refused(string json)
    {
        Assert.Throws<ArgumentException>(() => DayHash.Compute(Parse(json)));
        Assert.Throws<ArgumentException>(() => DayHash.Recompute(Parse(json)));
    }

    [Fact]
    public void A_day_with_two_hash_members_is_refused()
    {
        var day = Parse("""{"date":"2026-11-22","hash":"a","hash":"b"}""");

        Assert.Throws<CanonicalJsonException>(() => DayHash.Recompute(day));
    }

    private static JsonElement Publish(string summary)
    {
        var day = JsonNode.Parse(summary)!.AsObject();
        day[DayHash.HashMember] = DayHash.Compute(Parse(summary));
        return Parse(day.ToJsonString());
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
