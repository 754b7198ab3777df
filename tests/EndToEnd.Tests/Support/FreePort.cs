using System.Net;
using System.Net.Sockets;

namespace SmtpCollector.EndToEnd.Tests.Support;

public static class FreePort
{
    /// <summary>
    /// A loopback port free right now. Postfix's configuration names its ports before anything listens, and the
    /// collector must come back on the same port after a restart, so port 0 cannot be used for these two.
    /// </summary>
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
