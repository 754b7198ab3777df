namespace SmtpCollector.Actors.Sources.Imap;

/// <summary>Ask the collector; it answers <see cref="PassFinished"/> once every folder has finished its one pass.</summary>
public sealed record AwaitPass;

/// <summary><paramref name="AllPublished"/>: every message that was to be fetched was stored by the sink (exit 0, else 1).</summary>
public sealed record PassFinished(bool AllPublished, int Published, int NotPublished);

/// <summary>Finish the message being published (its sink's answer and its flag), then stop; answered with <see cref="CollectingStopped"/>.</summary>
public sealed record StopCollecting;

public sealed record CollectingStopped;

/// <summary>A folder's actor to the collector: its one pass is over.</summary>
public sealed record FolderPassFinished(string Folder, bool AllPublished, int Published, int NotPublished);

/// <summary>A folder's actor to the collector: stopped on <see cref="StopCollecting"/>, nothing half done.</summary>
public sealed record FolderStopped(string Folder);
