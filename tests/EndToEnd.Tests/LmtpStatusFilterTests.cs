using SmtpCollector.EndToEnd.Tests.Support;
using Xunit;

namespace SmtpCollector.EndToEnd.Tests;

/// <summary>
/// postfix/lmtp-status.regexp, the front's lmtp_delivery_status_filter, looked up with Postfix's own table code
/// (postmap -q): the LMTP client's own "name not found" for the collector's address becomes temporary, since on a compose
/// network a stopped or restarting collector has no name; everything the collector itself answers is left alone.
/// scripts/container-test.sh shows the whole of it on a stopped collector container.
/// </summary>
public sealed class LmtpStatusFilterTests : IDisposable
{
    private static readonly string Table = "regexp:" + Path.Combine(PostfixInstance.ScriptDirectory, "lmtp-status.regexp");

    // postmap wants a main.cf; the machine's Postfix is left unconfigured ("No configuration").
    private readonly string _configDirectory = Directory.CreateTempSubdirectory("lmtp-status-").FullName;

    public LmtpStatusFilterTests() => File.WriteAllText(Path.Combine(_configDirectory, "main.cf"), "");

    public void Dispose() => Directory.Delete(_configDirectory, recursive: true);

    private Task<(int ExitCode, string Output)> LookUpAsync(string status) =>
        Command.RunAsync("postmap", ["-c", _configDirectory, "-q", status, Table]);

    [Theory]
    [InlineData("5.4.4 Host or domain name not found. Name service error for name=collector type=A: Host not found")]
    [InlineData("5.4.4 Host or domain name not found. Name service error for name=collector type=AAAA: Host found but no data record of requested type")]
    [InlineData("5.4.3 Host or domain name not found. Name service error for name=collector type=A: Non-recoverable error")]
    public async Task The_collector_s_name_not_resolving_becomes_temporary(string status)
    {
        var (exitCode, output) = await LookUpAsync(status);

        Assert.Equal(0, exitCode);
        Assert.Equal("4" + status[1..], output.TrimEnd('\n'));
    }

    [Theory]
    [InlineData("5.1.1 host collector[10.89.0.5] said: 550 5.1.1 <x@elsewhere.example>: domain not served (in reply to RCPT TO command)")]
    [InlineData("5.3.4 message size 102400 exceeds size limit 65536 of server collector[10.89.0.5]")]
    [InlineData("5.4.4 host collector[10.89.0.5] said: 554 5.4.4 Host or domain name not found (in reply to end of DATA command)")]
    [InlineData("4.4.3 Host or domain name not found. Name service error for name=collector type=A: Host not found, try again")]
    public async Task Everything_else_is_left_as_it_is(string status)
    {
        var (exitCode, output) = await LookUpAsync(status);

        Assert.Equal(1, exitCode);
        Assert.Empty(output);
    }
}
