using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using SmtpCollector.Protocol.Payload;

namespace SmtpCollector.Actors.Sources.Imap;

/// <summary>
/// One IMAP connection with one folder open read-write. Not an actor: its methods run on tasks started by
/// <see cref="ImapFolderActor"/>, one at a time (a MailKit client is not re-entrant), and their results go back to it.
/// </summary>
public sealed class ImapConnection : IDisposable
{
    // Below the large-object heap threshold, so that a large message is many small blocks rather than one LOH array.
    private int _countAtSearch = -1;
    private const int BlockSize = 64 * 1024;

    private readonly ImapClient _client;

    private ImapConnection(ImapClient client, IMailFolder folder)
    {
        _client = client;
        Folder = folder;
    }

    public IMailFolder Folder { get; }

    public bool CanIdle => _client.Capabilities.HasFlag(ImapCapabilities.Idle);

    public bool HasUidPlus => _client.Capabilities.HasFlag(ImapCapabilities.UidPlus);

    public bool IsConnected => _client.IsConnected;

    public static async Task<ImapConnection> OpenAsync(MailboxSettings mailbox, string folderName, TimeSpan timeout, CancellationToken cancellation)
    {
        var client = new ImapClient { Timeout = (int)timeout.TotalMilliseconds };
        try
        {
            if (mailbox.CaFile is { } caFile)
                client.ServerCertificateValidationCallback = TrustOnly(LoadCa(caFile));
            var socketOptions = mailbox.Tls switch
            {
                ImapTls.Implicit => SecureSocketOptions.SslOnConnect,
                // StartTls (not StartTlsWhenAvailable): a server without STARTTLS is an error, never a silent plain-text session.
                ImapTls.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            };
            await client.ConnectAsync(mailbox.Host, mailbox.Port, socketOptions, cancellation);
            var secret = await mailbox.Secret(cancellation);
            if (mailbox.Auth == ImapAuth.XOAuth2)
                await client.AuthenticateAsync(new SaslMechanismOAuth2(mailbox.Username, secret), cancellation);
            else
                await client.AuthenticateAsync(mailbox.Username, secret, cancellation);
            var folder = await client.GetFolderAsync(folderName, cancellation);
            await folder.OpenAsync(FolderAccess.ReadWrite, cancellation);
            return new ImapConnection(client, folder);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The UIDs to look at: unseen ones by default, all with -a. Always a whole-folder search, so that a reconnect never depends on an EXISTS having been seen.</summary>
    public async Task<IReadOnlyList<uint>> SearchAsync(bool all, CancellationToken cancellation)
    {
        _countAtSearch = Folder.Count;
        var uids = await Folder.SearchAsync(all ? SearchQuery.All : SearchQuery.NotSeen, cancellation);
        return uids.Select(u => u.Id).Order().ToArray();
    }

    /// <summary>
    /// The message's exact bytes (<c>UID FETCH n (BODY.PEEK[])</c>: no flag changes), hashed as they are copied and before
    /// anything parses them. Null when the UID is gone (another client expunged it).
    /// </summary>
    public async Task<(MessageBody Body, string Sha256)?> FetchAsync(uint uid, CancellationToken cancellation)
    {
        Stream stream;
        try
        {
            stream = await Folder.GetStreamAsync(new UniqueId(uid), cancellation);
        }
        catch (MessageNotFoundException)
        {
            return null;
        }
        await using (stream)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var blocks = new List<ReadOnlyMemory<byte>>();
            while (true)
            {
                var block = new byte[BlockSize];
                var filled = 0;
                int read;
                while (filled < BlockSize && (read = await stream.ReadAsync(block.AsMemory(filled), cancellation)) > 0)
                    filled += read;
                if (filled == 0)
                    break;
                hash.AppendData(block, 0, filled);
                blocks.Add(block.AsMemory(0, filled));
                if (filled < BlockSize)
                    break;
            }
            return (new MessageBody([.. blocks]), Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
    }

    public Task MarkSeenAsync(uint uid, CancellationToken cancellation) =>
        Folder.AddFlagsAsync(new UniqueId(uid), MessageFlags.Seen, silent: true, cancellation);

    /// <summary>
    /// Flags the UID \Deleted and, with UIDPLUS, expunges exactly it (<c>UID EXPUNGE</c>). Without UIDPLUS it stays flagged:
    /// a plain EXPUNGE would also remove what other clients flagged, and MailKit's emulation of UID EXPUNGE is not atomic.
    /// </summary>
    public async Task DeleteAsync(uint uid, CancellationToken cancellation)
    {
        await Folder.AddFlagsAsync(new UniqueId(uid), MessageFlags.Deleted, silent: true, cancellation);
        if (HasUidPlus)
            await Folder.ExpungeAsync([new UniqueId(uid)], cancellation);
    }

    /// <summary>
    /// IDLE until the folder's message count changes, <paramref name="restartAfter"/> passes or <paramref name="stop"/>
    /// is cancelled; without IDLE, a NOOP after <paramref name="pollInterval"/> (or on stop).
    /// </summary>
    public async Task WaitForNewMailAsync(TimeSpan restartAfter, TimeSpan pollInterval, CancellationToken stop, CancellationToken cancellation)
    {
        if (!CanIdle)
        {
            try
            {
                await Task.Delay(pollInterval, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            await _client.NoOpAsync(cancellation);
            return;
        }
        // Mail that came after the last search, announced (EXISTS) in the reply to a later command (the STORE of \Seen, a
        // FETCH) rather than during IDLE: look again now, or it would wait for the next IDLE restart, minutes later.
        if (Folder.Count != _countAtSearch)
            return;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stop);
        done.CancelAfter(restartAfter);
        void OnCountChanged(object? sender, EventArgs e) => done.Cancel();
        Folder.CountChanged += OnCountChanged;
        try
        {
            await _client.IdleAsync(done.Token, cancellation);
        }
        finally
        {
            Folder.CountChanged -= OnCountChanged;
        }
    }

    public async Task CloseAsync()
    {
        try
        {
            if (_client.IsConnected)
                await _client.DisconnectAsync(quit: true);
        }
        catch (Exception ex) when (ex is IOException or ImapProtocolException or ImapCommandException or OperationCanceledException)
        {
            // Closing a connection that is already broken: nothing is waiting on it.
        }
    }

    public void Dispose() => _client.Dispose();

    private static X509Certificate2Collection LoadCa(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates;
    }

    private static RemoteCertificateValidationCallback TrustOnly(X509Certificate2Collection roots) => (_, certificate, presented, errors) =>
    {
        // The name must still match; only the trust anchor is replaced.
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // The intermediates the server sent, so that ca_file need hold only the root.
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    };
}
