using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using StationHub.Platform.Json;

namespace StationHub.Platform.Storage;

/// <summary>
/// Reads a queue message strictly: it must be JSON of the expected shape, with every member that
/// is not optional present and no null where the type says none. A message that is not is
/// <see cref="MalformedMessageException"/>, which a queue function answers by moving it to its
/// poison queue at once (no retry can mend it).
/// </summary>
public static class QueueMessages
{
    private static readonly JsonSerializerOptions Strict = new(HubJsonContext.Default.Options)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static T Read<T>(BinaryData message, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            var strict = (JsonTypeInfo<T>)Strict.GetTypeInfo(typeof(T));
            return JsonSerializer.Deserialize(message.ToMemory().Span, strict)
                ?? throw new MalformedMessageException($"A {typeInfo.Type.Name} message was null.");
        }
        catch (JsonException exception)
        {
            throw new MalformedMessageException($"A {typeInfo.Type.Name} message is not valid: {exception.Message}", exception);
        }
    }
}

/// <summary>A queue message that can never be handled: it goes to poison at once.</summary>
public sealed class MalformedMessageException(string message, Exception? inner = null) : Exception(message, inner);
