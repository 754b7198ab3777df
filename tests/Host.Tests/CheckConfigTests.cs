using SmtpCollector.Host.Tests.Support;
using Xunit;

namespace SmtpCollector.Host.Tests;

/// <summary>smtp-collector check-config, run as an operator (or a container entrypoint) would.</summary>
public sealed class CheckConfigTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, string text)
    {
        var path = _temp.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task A_valid_set_of_files_passes()
    {
        var config = Write("collector.yml", "listen: 127.0.0.1:2424\ndomains: [trap.example]\n");
        var feed = Write("feed.yml", "broker: \"127.0.0.1\"\nport: 10000\nidentity: writer\nsecret: s\nchannels: [spam.mails]\n");
        var domains = Write("domains", "# traps\ntrap.example\nother.example\n");
        var (exit, output) = await CollectorProcess.RunToEndAsync("check-config", "--config", config, "--feed-config", feed, "--domains-file", domains);
        Assert.True(exit == 0, output);
        Assert.Contains($"{config}: configuration ok", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_broken_file_is_named_with_its_line_and_key_and_the_exit_is_1()
    {
        var config = Write("collector.yml", "listen: 127.0.0.1:2424\nmax_connections: lots\n");
        var feed = Write("feed.yml", "broker: \"127.0.0.1\"\nidentity: writer\nsecret: s\nchannels: [spam.mails]\nfrobnicate: 1\n");
        var domains = Write("domains", "trap.example\n\nbad..domain\n");
        var (exit, output) = await CollectorProcess.RunToEndAsync("check-config", "--config", config, "--feed-config", feed, "--domains-file", domains);
        Assert.Equal(1, exit);
        Assert.Contains($"{config}:2:", output, StringComparison.Ordinal);
        Assert.Contains("max_connections", output, StringComparison.Ordinal);
        Assert.Contains($"{feed}:5:1: unknown key 'frobnicate'", output, StringComparison.Ordinal);
        Assert.Contains($"{domains}:3:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_a_problem_too()
    {
        var (exit, output) = await CollectorProcess.RunToEndAsync("check-config", "--config", _temp.File("absent.yml"));
        Assert.Equal(1, exit);
        Assert.Contains("absent.yml", output, StringComparison.Ordinal);
    }
}
