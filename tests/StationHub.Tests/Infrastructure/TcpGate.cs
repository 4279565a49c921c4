using System.Net;
using System.Net.Sockets;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// A TCP forwarder on a loopback port in front of one storage endpoint, which a test can close
/// (connections refused, open ones cut) and open again: an outage of that one service (the table
/// endpoint, say) while the others stay up, at a moment the test picks.
/// </summary>
public sealed class TcpGate : IAsyncDisposable
{
    private readonly int target;
    private readonly List<TcpClient> open = [];
    private readonly Lock gate = new();
    private TcpListener? listener;
    private Task? accepting;
    private int allowance = -1;
    private volatile bool stalled;

    private TcpGate(int target)
    {
        this.target = target;
        Port = Loopback.FreePort();
    }

    public int Port { get; }

    public static TcpGate Open(int target)
    {
        var tcpGate = new TcpGate(target);
        tcpGate.Reopen();
        return tcpGate;
    }

    /// <summary>Refuses new connections and cuts the open ones.</summary>
    public void Close()
    {
        lock (gate)
        {
            listener?.Stop();
            listener = null;
            foreach (var client in open)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
            }

            open.Clear();
        }
    }

    /// <summary>
    /// Lets <paramref name="requests"/> more HTTP requests through, then closes on the next one
    /// before it reaches the service: an outage that starts between two calls of one operation.
    /// </summary>
    public void CloseAfterRequests(int requests) => Volatile.Write(ref allowance, requests);

    /// <summary>Takes connections and requests but answers none: a store that hangs rather than refuses.</summary>
    public void Stall() => stalled = true;

    public void Reopen()
    {
        lock (gate)
        {
            allowance = -1;
            stalled = false;
            var started = new TcpListener(IPAddress.Loopback, Port);
            started.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            started.Start();
            listener = started;
            accepting = AcceptAsync(started);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close();
        if (accepting is not null)
        {
            await accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task AcceptAsync(TcpListener from)
    {
        while (true)
        {
            TcpClient inbound;
            try
            {
                inbound = await from.AcceptTcpClientAsync();
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = ForwardAsync(inbound);
        }
    }

    /// <summary>Copies the client's bytes on, counting request lines while <see cref="CloseAfterRequests"/> is armed.</summary>
    private async Task CopyRequestsAsync(Stream from, Stream to)
    {
        var marker = " HTTP/1.1\r\n"u8.ToArray();
        var buffer = new byte[16 * 1024];
        var carry = Array.Empty<byte>();
        while (true)
        {
            var read = await from.ReadAsync(buffer);
            if (read == 0)
            {
                return;
            }

            if (Volatile.Read(ref allowance) >= 0)
            {
                byte[] seen = [.. carry, .. buffer.AsSpan(0, read)];
                var count = 0;
                for (var at = seen.AsSpan().IndexOf(marker); at >= 0; at = seen.AsSpan(at + 1).IndexOf(marker) is var next and >= 0 ? at + 1 + next : -1)
                {
                    count++;
                }

                carry = seen[Math.Max(0, seen.Length - marker.Length + 1)..];
                if (count > 0 && Interlocked.Add(ref allowance, -count) < 0)
                {
                    Close();
                    return;
                }
            }

            if (!stalled)
            {
                await to.WriteAsync(buffer.AsMemory(0, read));
            }
        }
    }

    private async Task ForwardAsync(TcpClient inbound)
    {
        using var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, target);
            lock (gate)
            {
                if (listener is null)
                {
                    inbound.Dispose();
                    return;
                }

                open.Add(inbound);
                open.Add(outbound);
            }

            var a = inbound.GetStream();
            var b = outbound.GetStream();
            await Task.WhenAny(CopyRequestsAsync(a, b), b.CopyToAsync(a));
        }
        catch (Exception exception) when (exception is SocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (gate)
            {
                open.Remove(inbound);
                open.Remove(outbound);
            }

            inbound.Dispose();
        }
    }
}
