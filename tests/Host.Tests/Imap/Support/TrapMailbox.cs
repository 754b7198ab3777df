using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;

namespace SmtpCollector.Host.Tests.Imap.Support;

/// <summary>"Another client" of a Dovecot mailbox: appends the trap's mail, flags it, and reads back flags.</summary>
public sealed class TrapMailbox : IAsyncDisposable
{
    private readonly ImapClient _client = new();
    private readonly int _port;
    private readonly string _user;
    private readonly string _password;

    private TrapMailbox(int port, string user, string password) => (_port, _user, _password) = (port, user, password);

    public static async Task<TrapMailbox> OpenAsync(DovecotServer server, string user, string password)
    {
        var mailbox = new TrapMailbox(server.PlainPort, user, password);
        await mailbox._client.ConnectAsync("127.0.0.1", server.PlainPort, SecureSocketOptions.None);
        await mailbox._client.AuthenticateAsync(user, password);
        return mailbox;
    }

    public async Task<IMailFolder> FolderAsync(string name)
    {
        if (name == "INBOX")
            return _client.Inbox;
        var root = _client.GetFolder(_client.PersonalNamespaces[0]);
        try
        {
            return await _client.GetFolderAsync(name);
        }
        catch (FolderNotFoundException)
        {
            return await root.CreateAsync(name, isMessageFolder: true) ?? throw new InvalidOperationException($"cannot create {name}");
        }
    }

    /// <summary>APPENDs exactly these bytes (a literal written by hand: MailKit's append re-serializes a MimeMessage); returns the UID from APPENDUID.</summary>
    public async Task<uint> AppendAsync(byte[] bytes, MessageFlags flags = MessageFlags.None, string folder = "INBOX")
    {
        await FolderAsync(folder);
        return await RawAppend.AppendAsync(_port, _user, _password, folder, bytes, flags);
    }

    public async Task<IReadOnlyDictionary<uint, MessageFlags>> FlagsAsync(string folder = "INBOX")
    {
        var target = await FolderAsync(folder);
        await target.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await target.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags);
        await target.CloseAsync();
        return summaries.ToDictionary(s => s.UniqueId.Id, s => s.Flags ?? MessageFlags.None);
    }

    public async Task SetFlagsAsync(uint uid, MessageFlags flags, string folder = "INBOX")
    {
        var target = await FolderAsync(folder);
        await target.OpenAsync(FolderAccess.ReadWrite);
        await target.AddFlagsAsync(new UniqueId(uid), flags, silent: true);
        await target.CloseAsync(expunge: false);
    }

    public async Task<IList<UniqueId>> SearchAsync(SearchQuery query, string folder = "INBOX")
    {
        var target = await FolderAsync(folder);
        await target.OpenAsync(FolderAccess.ReadOnly);
        var uids = await target.SearchAsync(query);
        await target.CloseAsync();
        return uids;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
            await _client.DisconnectAsync(quit: true);
        _client.Dispose();
    }
}
