using System.Collections.Concurrent;

namespace StationHub.Platform.Storage;

/// <summary>
/// The messages this process sends (<see cref="HubStorage.SendAsync{T}"/>), told to whoever in it watches their queue: a host
/// whose listener has backed off on an idle queue takes such a message when it becomes visible, not at its next poll. The
/// Functions host does the same for the messages its own output bindings write; the hub sends with its own clients, so
/// there only polling finds them. Messages from elsewhere (another host, a tool) are found by polling either way.
/// </summary>
public sealed class QueueSends
{
    private readonly ConcurrentDictionary<string, Action<TimeSpan>> watchers = new(StringComparer.Ordinal);

    /// <summary>
    /// Calls <paramref name="visibleIn"/> with each message sent to <paramref name="queue"/> from now on, with how long
    /// until it becomes visible (zero for most), until the result is disposed. It is called on the sender's thread: keep it
    /// short. Each listener of the queue watches it (a queue with two functions has two listeners in a host).
    /// </summary>
    public IDisposable Watch(string queue, Action<TimeSpan> visibleIn)
    {
        watchers.AddOrUpdate(queue, visibleIn, (_, watching) => watching + visibleIn);
        return new Unwatch(watchers, queue, visibleIn);
    }

    /// <summary>A message was sent to <paramref name="queue"/> and becomes visible in <paramref name="visibleIn"/>.</summary>
    public void Sent(string queue, TimeSpan visibleIn)
    {
        if (watchers.TryGetValue(queue, out var watcher))
        {
            watcher(visibleIn);
        }
    }

    private sealed class Unwatch(ConcurrentDictionary<string, Action<TimeSpan>> watchers, string queue, Action<TimeSpan> visibleIn) : IDisposable
    {
        public void Dispose()
        {
            // The watchers of a queue are one immutable delegate: replaced only if no other watch changed it meanwhile.
            while (watchers.TryGetValue(queue, out var watching))
            {
                var left = watching - visibleIn;
                if (left is null ? watchers.TryRemove(new(queue, watching)) : watchers.TryUpdate(queue, left, watching))
                {
                    return;
                }
            }
        }
    }
}
