using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace SmtpCollector.Actors.Sinks.Hpfeeds;

/// <summary>Opens the byte stream to the broker: plain TCP, or TLS with the server certificate validated (system trust, or a CA file) and SNI.</summary>
public static class BrokerStream
{
    public static async Task<Stream> OpenAsync(HpfeedsSettings settings, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var cancellation = deadline.Token;
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(settings.Host, settings.Port, cancellation);
            Stream stream = tcp.GetStream();
            if (!settings.Tls)
                return new OwningStream(stream, tcp);

            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = settings.ServerName ?? settings.Host,
                RemoteCertificateValidationCallback = settings.CaFile is null ? null : TrustOnly(LoadCa(settings.CaFile)),
            }, cancellation);
            return new OwningStream(tls, tcp);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    private static X509Certificate2Collection LoadCa(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        if (certificates.Count == 0)
            throw new InvalidOperationException($"no certificate in CA file {path}");
        return certificates;
    }

    /// <summary>Accepts a certificate only if it chains to one of <paramref name="roots"/> and names the host; nothing else is relaxed.</summary>
    private static RemoteCertificateValidationCallback TrustOnly(X509Certificate2Collection roots) => (_, certificate, _, errors) =>
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    };

    /// <summary>A stream that also disposes the socket it runs over.</summary>
    private sealed class OwningStream(Stream inner, TcpClient tcp) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                tcp.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
