using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace StationHub.Platform.Telemetry;

/// <summary>
/// The trace context in a queue message: the hub's messages are JSON objects, and every one it
/// sends carries the sending span's <c>traceParent</c> (and <c>traceState</c>, when there is one) as
/// top-level members. Additive: every message type ignores members it does not know, a message
/// without them (an older one) starts a new trace, and a malformed one is ignored the same way.
/// </summary>
public static class QueueTrace
{
    public const string TraceParentMember = "traceParent";
    public const string TraceStateMember = "traceState";

    /// <summary>The message with the current span's context added in front (unchanged when there is no span, or it is not a JSON object).</summary>
    public static byte[] Attach(byte[] message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Activity.Current is not { IdFormat: ActivityIdFormat.W3C } current || message.Length < 2 || message[0] != (byte)'{')
        {
            return message;
        }

        using var buffer = new MemoryStream(message.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(TraceParentMember, current.Id);
            if (!string.IsNullOrEmpty(current.TraceStateString))
            {
                writer.WriteString(TraceStateMember, current.TraceStateString);
            }
        }

        // The writer left "{...members" open: the original members follow after a comma (none for "{}").
        var isEmpty = message.AsSpan(1).Trim(" \t\r\n"u8).SequenceEqual("}"u8);
        if (!isEmpty)
        {
            buffer.WriteByte((byte)',');
            buffer.Write(message, 1, message.Length - 1);
        }
        else
        {
            buffer.WriteByte((byte)'}');
        }

        return buffer.ToArray();
    }

    /// <summary>The <c>traceParent</c> and <c>traceState</c> members of a message's top-level object, when present as strings.</summary>
    public static (string? TraceParent, string? TraceState) Read(ReadOnlySpan<byte> message)
    {
        string? traceParent = null;
        string? traceState = null;
        try
        {
            var reader = new Utf8JsonReader(message, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isParent = reader.ValueTextEquals(TraceParentMember);
                var isState = reader.ValueTextEquals(TraceStateMember);
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && (isParent || isState))
                {
                    var value = reader.GetString();
                    traceParent = isParent ? value : traceParent;
                    traceState = isState ? value : traceState;
                    if (traceParent is not null && traceState is not null)
                    {
                        break;
                    }
                }
                else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Not the hub's JSON: the handler says so; here it just carries no context.
        }

        return (traceParent, traceState);
    }
}
