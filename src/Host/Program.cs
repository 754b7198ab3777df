using System.CommandLine;
using SmtpCollector.Host.Cli;

// Socket completions run on the socket engine's own thread instead of being queued to the thread pool: every
// continuation on a socket here only hands an event to an actor (or writes the next frame to the broker), and each
// queueing was a thread woken per read or write: 27 context switches per message became 15 (one session, 5 KB,
// bench/README.md). Read once, when the first socket is made, so it is set before anything else; an operator's own
// setting wins.
const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
    Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");

var root = new RootCommand("smtp-collector: a spamtrap's catch-all LMTP server behind Postfix, and a collector for trap mailboxes over IMAP, publishing to hpfeeds")
{
    LmtpCommand.Create(),
    HealthCommand.Create(),
    CheckConfigCommand.Create(),
    ImapCommand.Create(),
    ReplayCommand.Create(),
};
// SIGTERM and SIGINT are the commands' own (the host's lifetime drains the sessions; replay has TerminationSignals).
// System.CommandLine's handler for them, beside the host's, cancels its token on the signal thread; when the command
// has just returned, that token is disposed and the exception aborts the process: exit 134 after a clean drain (CI).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
