using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StationHub.Ledger.Integrity;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Ledger.Integrity;

/// <summary>RFC 8785 (JCS) against the RFC's own samples and its author's reference test data.</summary>
public sealed class CanonicalJsonTests
{
    public static TheoryData<string> ReferenceExamples()
    {
        var data = new TheoryData<string>();
        foreach (var example in Examples().GetProperty("cases").EnumerateArray())
        {
            data.Add(example.GetProperty("name").GetString()!);
        }

        return data;
    }

    public static TheoryData<string, string?> AppendixB()
    {
        // RFC 8785 Appendix B, Table 1 (see rfc8785-numbers.json).
        var data = new TheoryData<string, string?>();
        foreach (var sample in Numbers().GetProperty("appendixB").EnumerateArray())
        {
            data.Add(sample.GetProperty("ieee754").GetString()!, sample.GetProperty("json").GetString());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReferenceExamples))]
    public void Canonicalizes_the_reference_examples_byte_for_byte(string name)
    {
        var example = Examples().GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var input = example.GetProperty("input").GetString()!;
        var expected = Convert.FromHexString(example.GetProperty("utf8Hex").GetString()!.Replace(" ", string.Empty, StringComparison.Ordinal));
        using var document = JsonDocument.Parse(input);

        var fromText = CanonicalJson.Canonicalize(input);
        var fromElement = CanonicalJson.Canonicalize(document.RootElement);
        var fromNode = CanonicalJson.Canonicalize(JsonNode.Parse(input));

        Assert.Equal(expected, fromText);
        Assert.Equal(expected, fromElement);
        Assert.Equal(expected, fromNode);
        Assert.Equal(example.GetProperty("canonical").GetString(), Encoding.UTF8.GetString(fromText));
    }

    [Fact]
    public void Sorts_member_names_by_utf16_code_units_as_the_rfc_sample_expects()
    {
        var sorting = Examples().GetProperty("sorting");

        var canonical = CanonicalJson.Canonicalize(sorting.GetProperty("input").GetString()!);

        using var result = JsonDocument.Parse(canonical);
        var order = result.RootElement.EnumerateObject().Select(m => m.Value.GetString()).ToArray();
        var expected = sorting.GetProperty("expectedValueOrder").EnumerateArray().Select(v => v.GetString()).ToArray();
        Assert.Equal(expected, order);
    }

    [Theory]
    [MemberData(nameof(AppendixB))]
    public void Writes_the_appendix_b_numbers_as_ecmascript_does(string ieee754, string? json)
    {
        var value = BitConverter.UInt64BitsToDouble(ulong.Parse(ieee754, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        if (json is null)
        {
            Assert.Throws<CanonicalJsonException>(() => CanonicalJson.FormatNumber(value));
            Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize(JsonValue.Create(value)));
            return;
        }

        Assert.Equal(json, CanonicalJson.FormatNumber(value));
        Assert.Equal(json, Encoding.UTF8.GetString(CanonicalJson.Canonicalize(JsonValue.Create(value))));
        Assert.Equal(json, Encoding.UTF8.GetString(CanonicalJson.Canonicalize(value.ToString("R", CultureInfo.InvariantCulture))));
    }

    [Fact]
    public void Writes_the_reference_number_file_as_v8_does()
    {
        // es6testfile100m.txt of RFC 8785 Appendix B, its first 10,000 lines, checked against the
        // SHA-256 its README publishes so that the file is known to be the reference one.
        var reference = Numbers().GetProperty("es6testfile");
        var bytes = File.ReadAllBytes(RepoPaths.TestData(reference.GetProperty("file").GetString()!));
        Assert.Equal(reference.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));

        var lines = Encoding.ASCII.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var wrong = new List<string>();
        foreach (var line in lines)
        {
            var comma = line.IndexOf(',', StringComparison.Ordinal);
            var value = BitConverter.UInt64BitsToDouble(ulong.Parse(line.AsSpan(0, comma), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
            var written = CanonicalJson.FormatNumber(value);
            if (written != line[(comma + 1)..])
            {
                wrong.Add(line + " written as " + written);
            }
        }

        Assert.Equal(reference.GetProperty("lines").GetInt32(), lines.Length);
        Assert.Empty(wrong);
    }

    [Theory]
    [InlineData("-0", "0")]
    [InlineData("-0.0", "0")]
    [InlineData("0e10", "0")]
    [InlineData("1.0", "1")]
    [InlineData("100", "100")]
    [InlineData("1E2", "100")]
    [InlineData("0.1", "0.1")]
    [InlineData("1e20", "100000000000000000000")]
    [InlineData("1e21", "1e+21")]
    [InlineData("1.5e-6", "0.0000015")]
    [InlineData("1e-7", "1e-7")]
    [InlineData("-1.25e-7", "-1.25e-7")]
    [InlineData("123456789012345678901234567890", "1.2345678901234568e+29")]
    [InlineData("9007199254740993", "9007199254740992")]
    [InlineData("1e-400", "0")]
    public void Writes_a_json_number_as_the_double_it_reads_as(string number, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(CanonicalJson.Canonicalize(number)));
    }

    [Fact]
    public void Numbers_do_not_depend_on_the_current_culture()
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");

            Assert.Equal("[1.5,-2.5e-7,1e+21]", Encoding.UTF8.GetString(CanonicalJson.Canonicalize("[1.5, -2.5e-7, 1e21]")));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1.8e308")]
    [InlineData("[1, {\"a\": 2e308}]")]
    public void Refuses_a_number_beyond_the_range_of_a_double(string json)
    {
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize(json));
    }

    [Theory]
    [InlineData("{\"a\": 1, \"a\": 1}")]
    [InlineData("{\"a\": 1, \"\\u0061\": 2}")]
    [InlineData("[{\"x\": {\"b\": 1, \"b\": 2}}]")]
    public void Refuses_an_object_with_two_members_of_the_same_name(string json)
    {
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize(json));
    }

    [Theory]
    [InlineData("\"\\ud800\"")]
    [InlineData("\"\\udc00a\"")]
    [InlineData("\"a\\ud83d\"")]
    [InlineData("{\"\\ude00\": 1}")]
    [InlineData("[\"ok\", \"\\ud83d\\ud83d\"]")]
    public void Refuses_a_lone_surrogate(string json)
    {
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize(json));
    }

    [Fact]
    public void Refuses_a_lone_surrogate_built_in_code()
    {
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize(new JsonObject { ["note"] = "a\ud800b" }));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize(new JsonObject { ["\udc00"] = 1 }));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize("\"\ud800\""));
    }

    [Fact]
    public void Refuses_nan_and_infinities_built_in_code()
    {
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize(new JsonArray(1.0, double.NaN)));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize(new JsonObject { ["x"] = double.PositiveInfinity }));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize(JsonValue.Create(float.NegativeInfinity)));
    }

    [Fact]
    public void Escapes_only_quote_backslash_and_control_characters()
    {
        var json = "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \\\"\\\\\\/\\u007f\\u2028\\u00e9\\ud83d\\ude00\\u4e2d\"";

        var canonical = Encoding.UTF8.GetString(CanonicalJson.Canonicalize(json));

        Assert.Equal("\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \\\"\\\\/\u007f\u2028é😀中\"", canonical);
    }

    [Fact]
    public void Keeps_strings_as_they_are_without_unicode_normalization()
    {
        var composed = CanonicalJson.Canonicalize("\"\\u00c5\"");
        var decomposed = CanonicalJson.Canonicalize("\"A\\u030a\"");

        Assert.Equal("\"\u00c5\""u8.ToArray(), composed);
        Assert.Equal("\"A\u030a\""u8.ToArray(), decomposed);
    }

    [Fact]
    public void Writes_no_whitespace_and_keeps_array_order()
    {
        var canonical = CanonicalJson.Canonicalize(" [ 3 , { \"b\" : [ ] , \"a\" : { } } , \"x y\" , true , false , null , 1 ] ");

        Assert.Equal("[3,{\"a\":{},\"b\":[]},\"x y\",true,false,null,1]", Encoding.UTF8.GetString(canonical));
    }

    [Fact]
    public void A_json_node_built_in_code_gives_the_bytes_of_its_json_text()
    {
        var node = new JsonObject
        {
            ["zeta"] = 1,
            ["alpha"] = new JsonArray(1L, 2.5m, 0.1, -0.0, "€"),
            ["Beta"] = new JsonObject { ["y"] = null, ["x"] = true },
        };
        const string text = "{\"zeta\":1,\"alpha\":[1,2.5,0.1,-0.0,\"\\u20ac\"],\"Beta\":{\"y\":null,\"x\":true}}";

        var fromNode = CanonicalJson.Canonicalize(node);

        Assert.Equal(CanonicalJson.Canonicalize(text), fromNode);
        Assert.Equal("{\"Beta\":{\"x\":true,\"y\":null},\"alpha\":[1,2.5,0.1,0,\"€\"],\"zeta\":1}", Encoding.UTF8.GetString(fromNode));
        Assert.Equal("null"u8.ToArray(), CanonicalJson.Canonicalize((JsonNode?)null));
    }

    [Fact]
    public void Canonical_json_is_its_own_canonical_form()
    {
        var input = Examples().GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("input").GetString()!);

        foreach (var json in input)
        {
            var once = CanonicalJson.Canonicalize(json);
            Assert.Equal(once, CanonicalJson.Canonicalize(once));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("{} {}")]
    [InlineData("{\"a\": 1,}")]
    [InlineData("// comment\n1")]
    [InlineData("NaN")]
    public void Refuses_text_that_is_not_one_json_value(string json)
    {
        Assert.ThrowsAny<JsonException>(() => CanonicalJson.Canonicalize(json));
    }

    private static JsonElement Examples() => Load("rfc8785-examples.json");

    private static JsonElement Numbers() => Load("rfc8785-numbers.json");

    private static JsonElement Load(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData(name)));
        return document.RootElement.Clone();
    }
}
