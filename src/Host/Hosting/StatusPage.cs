using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using SmtpCollector.Actors.Telemetry;

namespace SmtpCollector.Host.Hosting;

/// <summary>
/// The status page: is mail arriving, is the broker link up, what came in last. Plain HTML that refreshes itself, no
/// script; everything that came from a message (subject, addresses, HELO) is HTML-encoded, whatever it holds.
/// </summary>
public static class StatusPage
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string Render(StatusReport report)
    {
        var page = new StringBuilder(16 * 1024);
        page.Append("""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
            <title>smtp-collector status</title><style>
            body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em;margin:0 0 .3em}
            .state{padding:.8em 1em;border-radius:6px;font-size:1.15em;margin:.6em 0 1em}.ok{background:#e3f5e1}.warn{background:#fde2e1;font-weight:bold}
            .cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;min-width:13em}
            .card h2{font-size:1em;margin:.1em 0 .4em;color:#555}.big{font-size:1.6em;font-weight:bold}
            table{border-collapse:collapse;margin-top:.5em;font-size:.9em}td,th{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
            .mono{font-family:ui-monospace,monospace;font-size:.85em}td.mono{word-break:break-all;min-width:17em}.muted{color:#777}
            </style></head><body><h1>smtp-collector</h1>
            """);
        Arrival(page, report);
        page.Append("<div class=\"cards\">");
        Card(page, "Messages, last minute / hour / day", $"{report.LastMinute} / {report.LastHour} / {report.LastDay}");
        // An IMAP source answers no one: what it did not publish stays in the mailbox for the next pass.
        Card(page, report.ImapMailboxes is null ? "Stored (250) / deferred (4xx) / refused (5xx)" : "Published / left for the next pass / too large",
            $"{report.Stored} / {report.Deferred} / {report.Refused}");
        if (report.InFlightLimit > 0)
            Card(page, "Memory in flight", $"{Mb(report.InFlightBytes)} of {Mb(report.InFlightLimit)}");
        Broker(page, report.Broker);
        Store(page, "Archive", "archive", report.Archive);
        Store(page, "Oversize spool", "spool", report.Spool);
        page.Append("</div>");
        if (report.ImapMailboxes is { } mailboxes)
            ImapMailboxes(page, mailboxes);
        if (report.Cluster is { } cluster)
            Cluster(page, cluster);
        Recent(page, report.Recent);
        Top(page, "Top recipient domains today", report.TopRecipientDomains, "none today");
        Top(page, "Top client addresses today", report.TopClientAddresses, "none today (the client's address comes from Postfix's XFORWARD)");
        page.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">Up since {Time(report.Started)}; this page at {Time(report.Now)}; the same as JSON: <a href=\"/api/status\">/api/status</a>, metrics: <a href=\"/metrics\">/metrics</a>.</p></body></html>");
        return page.ToString();
    }

    private static void Arrival(StringBuilder page, StatusReport report)
    {
        var last = report.LastMessage is { } at ? $"last message {Ago(report.Now - at)} ago ({Time(at)})" : "no message since the start";
        if (report.Silent)
        {
            var check = report.ImapMailboxes is null ? "the front (Postfix, DNS, the MX) and the network" : "the mailboxes below (logins, folders) and the provider's filtering";
            page.Append(CultureInfo.InvariantCulture, $"<div class=\"state warn\" id=\"silence\">The trap is silent: {last}, longer than {report.SilenceWarningMinutes:0.##} minutes. Check {check}.</div>");
        }
        else
            page.Append(CultureInfo.InvariantCulture, $"<div class=\"state ok\">Mail is arriving: {last}.</div>");
    }

    private static void Broker(StringBuilder page, BrokerLink? broker)
    {
        if (broker is null)
        {
            Card(page, "Sink", "local file (no broker)");
            return;
        }
        var state = broker.Connected ? "connected" : "DOWN";
        var error = broker.LastError is { } e ? $"<br><span class=\"muted\">last error: {Html.Encode(e)}</span>" : "";
        page.Append(CultureInfo.InvariantCulture, $"<div class=\"card\"><h2>Broker {Html.Encode(broker.Broker)}</h2><div class=\"big\">{state}</div>since {Time(broker.Since)}; window {broker.Window} in use{error}</div>");
    }

    private static void Store(StringBuilder page, string title, string id, LocalStore? store)
    {
        if (store is null)
            return;
        var onDisk = store.BytesOnDisk is { } bytes ? $"{Mb(bytes)} on disk, {store.FilesOnDisk:N0} files" : "size being measured";
        page.Append(CultureInfo.InvariantCulture, $"<div class=\"card\" id=\"{id}\"><h2>{Html.Encode(title)} {Html.Encode(store.Directory)}</h2><div class=\"big\">{Html.Encode(onDisk)}</div>")
            .Append(CultureInfo.InvariantCulture, $"{store.MessagesSinceStart:N0} messages, {Mb(store.BytesSinceStart)} written since the start</div>");
    }

    private static void ImapMailboxes(StringBuilder page, IReadOnlyList<ImapFolderStatus> folders)
    {
        page.Append("<h2>IMAP mailboxes</h2><table id=\"imap\"><tr><th>mailbox</th><th>folder</th><th>state</th><th>since</th><th>last error</th><th>fetched</th><th>published</th></tr>");
        foreach (var f in folders)
        {
            var state = f.LoggedIn ? Html.Encode(f.State) : $"<b>{Html.Encode(f.State)}</b>";
            page.Append(CultureInfo.InvariantCulture, $"<tr><td>{Html.Encode(f.Mailbox)}</td><td>{Html.Encode(f.Folder)}</td><td>{state}</td><td>{Time(f.Since)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{Html.Encode(f.LastError ?? "-")}</td><td>{f.Fetched:N0}</td><td>{f.Published:N0}</td></tr>");
        }
        page.Append("</table>");
    }

    private static void Cluster(StringBuilder page, ClusterStatus cluster)
    {
        page.Append(CultureInfo.InvariantCulture, $"<h2>Cluster</h2><p>{cluster.MessagesSent:N0} messages sent to other nodes' publishers, {cluster.MessagesTaken:N0} taken from other nodes, since the start.</p>")
            .Append("<table id=\"cluster\"><tr><th>node</th><th>member</th><th>reachable</th><th>broker link</th></tr>");
        foreach (var m in cluster.Members)
        {
            var link = m.PublisherConnected switch { true => "connected", false => "<b>not connected</b>", null => "not known yet" };
            page.Append(CultureInfo.InvariantCulture, $"<tr><td>{Html.Encode(m.Address)}{(m.IsSelf ? " <span class=\"muted\">(this node)</span>" : "")}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{Html.Encode(m.Status)}</td><td>{(m.Reachable ? "yes" : "<b>no</b>")}</td><td>{link}</td></tr>");
        }
        page.Append("</table>");
    }

    private static void Card(StringBuilder page, string title, string value) =>
        page.Append(CultureInfo.InvariantCulture, $"<div class=\"card\"><h2>{Html.Encode(title)}</h2><div class=\"big\">{Html.Encode(value)}</div></div>");

    private static void Recent(StringBuilder page, IReadOnlyList<MessageSeen> recent)
    {
        page.Append("<h2>Last messages</h2><table id=\"recent\"><tr><th>time</th><th>subject</th><th>from</th><th>to</th><th>client</th><th>size</th><th>outcome</th><th>sha256</th></tr>");
        foreach (var m in recent)
        {
            var client = m.ClientAddress is null ? "-" : Html.Encode(m.ClientAddress) + (m.ClientHelo is { } helo ? $" <span class=\"muted\">({Html.Encode(helo)})</span>" : "");
            page.Append(CultureInfo.InvariantCulture, $"<tr><td>{Time(m.Time)}</td><td>{Html.Encode(m.Subject ?? "")}</td><td>{Html.Encode(m.Sender)}</td><td>{Html.Encode(string.Join(", ", m.Recipients))}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{client}</td><td>{m.Size:N0}</td><td>{m.Code} {Html.Encode(m.Outcome)}</td><td class=\"mono\">{m.Sha256}</td></tr>");
        }
        page.Append("</table>");
    }

    private static void Top(StringBuilder page, string title, IReadOnlyList<KeyValuePair<string, int>> counts, string empty)
    {
        page.Append(CultureInfo.InvariantCulture, $"<h2>{Html.Encode(title)}</h2><table>");
        foreach (var (key, count) in counts)
            page.Append(CultureInfo.InvariantCulture, $"<tr><td>{Html.Encode(key)}</td><td>{count}</td></tr>");
        if (counts.Count == 0)
            page.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"muted\">{Html.Encode(empty)}</td></tr>");
        page.Append("</table>");
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB");

    private static string Ago(TimeSpan span) => span.TotalSeconds < 120 ? $"{span.TotalSeconds:0} s"
        : span.TotalMinutes < 120 ? $"{span.TotalMinutes:0} min" : $"{span.TotalHours:0.0} h";
}
