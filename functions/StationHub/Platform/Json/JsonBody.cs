using System.Globalization;
using System.Text.Json;
using StationHub.Platform.Http;

namespace StationHub.Platform.Json;

/// <summary>
/// Reads every JSON request body the hub takes (platform webhooks, city updates, station
/// actions): well-formed JSON within a nesting depth, and no object that names a member twice.
/// <c>System.Text.Json</c> lets the last of two equal names win, another parser may take the
/// first, so a signed payload with <c>"task"</c> twice could mean two things to two readers; the hub
/// refuses it with a 400 that names the member. A leading UTF-8 byte-order mark is skipped, as
/// RFC 8259 lets a parser do (signatures are checked over the body as it came, before this).
/// </summary>
public static class JsonBody
{
    public const int DefaultMaxDepth = 16;

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>The parsed document (the caller disposes it), or null and the problem to answer with.</summary>
    public static JsonDocument? Parse(ReadOnlyMemory<byte> body, out Problem? problem, int maxDepth = DefaultMaxDepth)
    {
        if (body.Span.StartsWith(Utf8ByteOrderMark))
        {
            body = body[Utf8ByteOrderMark.Length..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException)
        {
            problem = Problem.BadRequest("The body is not valid JSON.");
            return null;
        }

        var duplicates = new FieldReader();
        FindDuplicates(document.RootElement, string.Empty, duplicates);
        if (duplicates.HasErrors)
        {
            document.Dispose();
            problem = Problem.BadRequest("The body names a member twice in one object.", duplicates.Errors);
            return null;
        }

        problem = null;
        return document;
    }

    private static void FindDuplicates(JsonElement element, string path, FieldReader errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var member in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = member.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        errors.Fail(path.Length == 0 ? "(root)" : path, "has a member name that is not valid UTF-8 text.");
                        continue;
                    }

                    var memberPath = path.Length == 0 ? name : path + "." + name;
                    if (!seen.Add(name))
                    {
                        errors.Fail(memberPath, "appears more than once; name each member once.");
                        continue;
                    }

                    FindDuplicates(member.Value, memberPath, errors);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    FindDuplicates(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{index++}]"), errors);
                }

                break;
        }
    }
}
