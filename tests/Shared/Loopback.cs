using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace StationHub.Testing;

/// <summary>Free ports on 127.0.0.1 and waiting for a listener on one.</summary>
public static class Loopback
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts connections on the port; fails early if the process that should listen exits.</summary>
    public static async Task WaitForPortAsync(Process process, int port, string what, TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{what} exited at start with code {process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"{what} did not answer on port {port} within {timeout.TotalSeconds:0} s.");
    }
}
