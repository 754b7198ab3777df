using System.CommandLine;
using SmtpCollector.Host.Cli;

var root = new RootCommand("smtp-collector: a spamtrap's catch-all LMTP server behind Postfix, publishing to hpfeeds")
{
    LmtpCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
