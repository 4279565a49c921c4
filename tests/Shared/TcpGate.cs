using System.Net;
using System.Net.Sockets;

namespace StationHub.Testing;

/// <summary>
/// A TCP forwarder on a loopback port in front of one endpoint (a storage service, say), which a
/// test can close (new connections reset at once, open ones cut) and open again: an outage of that
/// one service (the table endpoint, say) while the others stay up, at a moment the test picks. It
/// binds port 0 once and holds its port until disposed, closed or not, so nothing else can take
/// it; <see cref="RetargetTo"/> points it at a service started again on the new port it got, and
/// clients keep the gate's address throughout.
/// </summary>
public sealed class TcpGate : IAsyncDisposable
{
    private readonly List<TcpClient> open = [];
    private readonly Lock gate = new();
    private readonly TcpListener listener;
    private readonly Task accepting;
    private int target;
    private int allowance = -1;
    private volatile bool closed;
    private volatile bool stalled;

    private TcpGate(int target)
    {
        this.target = target;
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>The port it forwards to.</summary>
    public int Target => Volatile.Read(ref target);

    public static TcpGate Open(int target) => new(target);

    /// <summary>Forwards new connections to another port from now on (a service started again).</summary>
    public void RetargetTo(int port) => Volatile.Write(ref target, port);

    /// <summary>Resets new connections at once and cuts the open ones: the service is unreachable.</summary>
    public void Close()
    {
        lock (gate)
        {
            closed = true;
            foreach (var client in open)
            {
                Reset(client);
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
            closed = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close();
        listener.Stop();
        await accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private static void Reset(TcpClient client)
    {
        try
        {
            client.Client.LingerState = new LingerOption(true, 0);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
        }

        client.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync();
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            if (closed)
            {
                Reset(inbound);
                continue;
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
            // The service is down (stopped, not yet started again): the client sees its connection reset.
            await outbound.ConnectAsync(IPAddress.Loopback, Target);
            lock (gate)
            {
                if (closed)
                {
                    Reset(inbound);
                    return;
                }

                open.Add(inbound);
                open.Add(outbound);
            }

            var a = inbound.GetStream();
            var b = outbound.GetStream();
            await Task.WhenAny(CopyRequestsAsync(a, b), b.CopyToAsync(a));
        }
        catch (Exception exception) when (exception is SocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            Reset(inbound);
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
