namespace StationHub.Platform.Storage;

/// <summary>
/// The messages this process sends (<see cref="HubStorage.SendAsync{T}"/>), told to whoever in it watches their queue: a host
/// whose listener has backed off on an idle queue takes such a message when it becomes visible, not at its next poll. The
/// Functions host does the same for the messages its own output bindings write; the hub sends with its own clients, so
/// there only polling finds them. Messages from elsewhere (another host, a tool) are found by polling either way.
/// </summary>
public sealed class QueueSends
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Action<TimeSpan>[]> watchers = new(StringComparer.Ordinal);

    /// <summary>
    /// Calls <paramref name="visibleIn"/> with each message sent to <paramref name="queue"/> from now on, with how long
    /// until it becomes visible (zero for most), until the result is disposed. It is called on the sender's thread: keep it short.
    /// </summary>
    public IDisposable Watch(string queue, Action<TimeSpan> visibleIn)
    {
        lock (gate)
        {
            watchers[queue] = [.. watchers.GetValueOrDefault(queue, []), visibleIn];
        }

        return new Unwatch(this, queue, visibleIn);
    }

    /// <summary>A message was sent to <paramref name="queue"/> and becomes visible in <paramref name="visibleIn"/>.</summary>
    public void Sent(string queue, TimeSpan visibleIn)
    {
        Action<TimeSpan>[]? watching;
        lock (gate)
        {
            watching = watchers.GetValueOrDefault(queue);
        }

        foreach (var watcher in watching ?? [])
        {
            watcher(visibleIn);
        }
    }

    private sealed class Unwatch(QueueSends sends, string queue, Action<TimeSpan> visibleIn) : IDisposable
    {
        public void Dispose()
        {
            lock (sends.gate)
            {
                if (sends.watchers.TryGetValue(queue, out var watching))
                {
                    var left = Array.FindAll(watching, watcher => watcher != visibleIn);
                    if (left.Length == 0)
                    {
                        sends.watchers.Remove(queue);
                    }
                    else
                    {
                        sends.watchers[queue] = left;
                    }
                }
            }
        }
    }
}
