using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmtpCollector.Host.Tests.Imap.Support;

/// <summary>
/// A private Dovecot (Debian's dovecot-imapd) on loopback: its own configuration, base_dir, state and maildirs in a
/// temporary folder, passwd-file users, a plain listener (offering STARTTLS when TLS is on) and an implicit-TLS one
/// with a self-signed certificate made here. It never touches a system Dovecot, which listens (if at all) on 143/993.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly string _config;

    private DovecotServer(bool tls, string certificateAltName, IReadOnlyDictionary<string, string> users, string extraConfig)
    {
        Tls = tls;
        PlainPort = PickPort();
        TlsPort = tls ? PickPort() : 0;
        var d = _directory.Path;
        foreach (var sub in new[] { "run", "state", "home" })
            Directory.CreateDirectory(Path.Combine(d, sub));
        File.WriteAllLines(Path.Combine(d, "passwd"), users.Select(u => $"{u.Key}:{{PLAIN}}{u.Value}::::::"));
        _config = Path.Combine(d, "dovecot.conf");
        if (tls)
            Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Path.Combine(d, "key.pem"), "-out", CertificateFile,
                "-days", "2", "-subj", "/CN=imap test", "-addext", $"subjectAltName={certificateAltName}");
        File.WriteAllText(_config, $$"""
            base_dir = {{d}}/run
            state_dir = {{d}}/state
            log_path = {{d}}/dovecot.log
            protocols = imap
            listen = 127.0.0.1
            ssl = {{(tls ? "yes" : "no")}}
            {{(tls ? $"ssl_cert = <{CertificateFile}\nssl_key = <{d}/key.pem" : "")}}
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:~/Maildir
            first_valid_uid = 1
            first_valid_gid = 1
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{d}}/passwd
            }
            userdb {
              driver = static
              args = uid=dovecot gid=dovecot home={{d}}/home/%u
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{PlainPort}}
              }
              inet_listener imaps {
                address = 127.0.0.1
                port = {{TlsPort}}
                {{(tls ? "ssl = yes" : "")}}
              }
            }
            {{extraConfig}}
            """);
        Run("chown", "-R", "dovecot:dovecot", Path.Combine(d, "home"));
    }

    public bool Tls { get; }

    public int PlainPort { get; }

    /// <summary>The implicit-TLS listener; 0 without TLS.</summary>
    public int TlsPort { get; }

    /// <summary>The self-signed certificate, to be named as ca_file.</summary>
    public string CertificateFile => Path.Combine(_directory.Path, "cert.pem");

    public string Log => File.Exists(Path.Combine(_directory.Path, "dovecot.log")) ? File.ReadAllText(Path.Combine(_directory.Path, "dovecot.log")) : "";

    /// <param name="certificateAltName">The certificate's subjectAltName, for example IP:127.0.0.1 or DNS:imap.other.example.</param>
    /// <param name="extraConfig">Settings appended to the configuration (for example an imap_capability without IDLE).</param>
    public static async Task<DovecotServer> StartAsync(IReadOnlyDictionary<string, string> users, bool tls = false, string certificateAltName = "IP:127.0.0.1", string extraConfig = "")
    {
        if (!File.Exists("/usr/sbin/dovecot"))
            throw new InvalidOperationException("Dovecot is not installed: scripts/test.sh installs dovecot-imapd (apt-get)");
        var server = new DovecotServer(tls, certificateAltName, users, extraConfig);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the master (again, after <see cref="StopAsync"/>) and waits until the plain listener accepts.</summary>
    public async Task StartAgainAsync()
    {
        Run("/usr/sbin/dovecot", "-c", _config);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, PlainPort);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Stops the master and every process of this instance (its connections are cut).</summary>
    public async Task StopAsync()
    {
        var pidFile = Path.Combine(_directory.Path, "run", "master.pid");
        if (!File.Exists(pidFile))
            return;
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        Run("/usr/bin/doveadm", "-c", _config, "stop");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Alive(pid) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        // The master stops its children before it exits; a listener port may linger a moment in the kernel.
        while (PortInUse(PlainPort) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
    }

    /// <summary>Puts a message straight into a user's Maildir (tmp, then renamed into new), as a local delivery does: works while the server is stopped.</summary>
    public void DeliverToMaildir(string user, byte[] bytes)
    {
        var maildir = Path.Combine(_directory.Path, "home", user, "Maildir");
        if (!Directory.Exists(Path.Combine(maildir, "new")))
        {
            foreach (var sub in new[] { "tmp", "new", "cur" })
                Directory.CreateDirectory(Path.Combine(maildir, sub));
            Run("chown", "-R", "dovecot:dovecot", Path.Combine(_directory.Path, "home", user));
        }
        var name = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Guid.NewGuid():N}.test";
        var temporary = Path.Combine(maildir, "tmp", name);
        File.WriteAllBytes(temporary, bytes);
        Run("chown", "dovecot:dovecot", temporary);
        File.Move(temporary, Path.Combine(maildir, "new", name));
    }

    /// <summary>While stopped: forgets a Maildir's UIDs (uidlist, UIDVALIDITY, indexes), so that it comes back renumbered under a new UIDVALIDITY.</summary>
    public void ForgetUids(string user)
    {
        var maildir = Path.Combine(_directory.Path, "home", user, "Maildir");
        foreach (var file in Directory.GetFiles(maildir, "dovecot*"))
            File.Delete(file);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _directory.Dispose();
        }
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool PortInUse(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static int PickPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
            throw new TimeoutException($"{program} did not finish");
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stdout.Result}{stderr.Result}");
    }
}
