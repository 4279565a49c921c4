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

    public void Reopen()
    {
        lock (gate)
        {
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
            await Task.WhenAny(a.CopyToAsync(b), b.CopyToAsync(a));
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
