using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.Http.Dsl;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Dsl;
using Ceen.Httpd;

namespace SmtpCollector.Host.Hosting;

/// <summary>
/// Cluster Bootstrap's HTTP routes (<c>/bootstrap/seed-nodes</c>, what the other nodes' bootstrap asks) on the management
/// port, served by the same Ceen server Akka.Management uses, then bootstrap started. Why not Akka.Management's own
/// start: its HTTP shim (Akka.Http.Shim 1.5.73) calls Ceen.Httpd 0.9.9's <c>ListenAsync(IPEndPoint, …)</c>, and 0.9.10,
/// the only version served here, has <c>ListenAsync(EndPoint, …)</c> instead: AkkaManagement.Start fails with
/// MissingMethodException and takes the actor system down. Drop this for <c>autoStart</c> once the two match again.
/// </summary>
public static class ManagementEndpoint
{
    public static async Task StartAsync(ActorSystem system, string bindHost, string publicHost, int port)
    {
        var bootstrap = ClusterBootstrap.Get(system);
        // The contact point this node is known by: how bootstrap recognises itself among the discovered ones.
        var routes = bootstrap.Routes(ManagementRouteProviderSettings.Create(new Uri($"http://{publicHost}:{port}/"), true));
        var stop = new CancellationTokenSource();
        var serving = HttpServer.ListenAsync(new IPEndPoint(await Address(bindHost), port), false, new ServerConfig { Router = new AkkaRouter(system, routes) }, stop.Token);
        if (serving.IsFaulted)
            await serving;
        system.Log.Info("cluster bootstrap: management endpoint on {0}:{1}, advertised as {2}:{1}", bindHost, port, publicHost);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "stop-management-endpoint", async () =>
        {
            await stop.CancelAsync();
            stop.Dispose();
            return Akka.Done.Instance;
        });
        await bootstrap.Start();
    }

    private static async Task<IPAddress> Address(string host) =>
        IPAddress.TryParse(host, out var address) ? address
        : (await Dns.GetHostAddressesAsync(host)).FirstOrDefault() ?? throw new InvalidOperationException($"management endpoint: {host} has no address");
}
