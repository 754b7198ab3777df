namespace SmtpCollector.TestSupport;

public static class Paths
{
    /// <summary>The repository root: the directory holding SmtpCollector.slnx, found from the test's output directory.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SmtpCollector.slnx")))
                    return dir.FullName;
            }
            throw new DirectoryNotFoundException("no SmtpCollector.slnx above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The shared spam corpus: ../shared/corpus/messages beside the checkout (as on CI).</summary>
    public static string CorpusMessages => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "corpus", "messages"));

    public static string? Tool(string name) =>
        new[] { "/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin" }.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
