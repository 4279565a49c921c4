using System.Reflection;
using Microsoft.Extensions.Logging;

namespace StationHub.Tests.Platform;

/// <summary>
/// A log line's event id names one message: a reader filtering by id must not get another class's
/// line. The ids are read from the <see cref="LoggerMessageAttribute"/>s compiled into the library and both hosts.
/// </summary>
public sealed class LogEventIdTests
{
    private static readonly string[] Assemblies = ["StationHub", "StationHub.LocalHost", "StationHub.Functions"];

    [Fact]
    public void No_two_log_messages_share_an_event_id_across_the_library_and_hosts()
    {
        var messages = Assemblies
            .Select(name => Assembly.Load(new AssemblyName(name)))
            .SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Select(method => (Method: method, Attribute: method.GetCustomAttribute<LoggerMessageAttribute>())))
            .Where(m => m.Attribute is not null)
            .Select(m => (m.Attribute!.EventId, Name: $"{m.Method.DeclaringType!.FullName}.{m.Method.Name}"))
            .ToList();

        Assert.True(messages.Count > 40, $"only {messages.Count} log messages were found; the reflection missed some");
        Assert.All(messages, m => Assert.True(m.EventId > 0, $"{m.Name} has no event id"));
        var collisions = messages
            .GroupBy(m => m.EventId)
            .Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(m => m.Name))}")
            .ToList();
        Assert.True(collisions.Count == 0, "event ids used twice:\n" + string.Join('\n', collisions));
    }
}
