using System.Globalization;
using System.Text;

namespace SmtpCollector.Actors.Sources.Imap;

/// <summary>
/// What one folder has published: its UIDVALIDITY and the UIDs whose sink said stored, kept as ranges so that a folder
/// read whole with -a stays a line of a few bytes. UIDs only mean something under the same UIDVALIDITY: when the
/// server's changes, the UIDs are dropped and the folder is read again (duplicates are allowed, loss is not).
/// </summary>
public sealed class FolderState
{
    // Sorted, disjoint, non-adjacent ranges [First, Last].
    private readonly List<(uint First, uint Last)> _ranges = [];

    public uint UidValidity { get; private set; }

    public int RangeCount => _ranges.Count;

    public bool Contains(uint uid)
    {
        int lo = 0, hi = _ranges.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            var (first, last) = _ranges[mid];
            if (uid < first)
                hi = mid - 1;
            else if (uid > last)
                lo = mid + 1;
            else
                return true;
        }
        return false;
    }

    public void Add(uint uid)
    {
        if (Contains(uid))
            return;
        var index = _ranges.FindIndex(r => r.First > uid);
        if (index < 0)
            index = _ranges.Count;
        var joinsBefore = index > 0 && _ranges[index - 1].Last + 1 == uid;
        var joinsAfter = index < _ranges.Count && _ranges[index].First - 1 == uid;
        if (joinsBefore && joinsAfter)
        {
            _ranges[index - 1] = (_ranges[index - 1].First, _ranges[index].Last);
            _ranges.RemoveAt(index);
        }
        else if (joinsBefore)
            _ranges[index - 1] = (_ranges[index - 1].First, uid);
        else if (joinsAfter)
            _ranges[index] = (uid, _ranges[index].Last);
        else
            _ranges.Insert(index, (uid, uid));
    }

    /// <summary>Starts over under <paramref name="uidValidity"/>; true when UIDs of another UIDVALIDITY were dropped.</summary>
    public bool ResetIfChanged(uint uidValidity)
    {
        if (UidValidity == uidValidity)
            return false;
        var dropped = UidValidity != 0 && _ranges.Count > 0;
        UidValidity = uidValidity;
        _ranges.Clear();
        return dropped;
    }

    public string Serialize()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"uidvalidity {UidValidity}\npublished ");
        text.AppendJoin(',', _ranges.Select(r => r.First == r.Last
            ? r.First.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{r.First}-{r.Last}")));
        return text.Append('\n').ToString();
    }

    public static FolderState Parse(string text)
    {
        var state = new FolderState();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var space = line.IndexOf(' ');
            var (key, value) = space < 0 ? (line, "") : (line[..space], line[(space + 1)..]);
            if (key == "uidvalidity")
                state.UidValidity = uint.Parse(value, CultureInfo.InvariantCulture);
            else if (key == "published")
            {
                foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    var dash = item.IndexOf('-');
                    var first = uint.Parse(dash < 0 ? item : item[..dash], CultureInfo.InvariantCulture);
                    var last = dash < 0 ? first : uint.Parse(item[(dash + 1)..], CultureInfo.InvariantCulture);
                    if (first == 0 || last < first || (state._ranges.Count > 0 && first <= state._ranges[^1].Last + 1UL))
                        throw new FormatException($"the published UIDs are not sorted, disjoint ranges at '{item}'");
                    state._ranges.Add((first, last));
                }
            }
        }
        return state;
    }

    /// <summary>Reads the state, or an empty one when the folder was never read. A damaged file throws: guessing could republish or skip.</summary>
    public static FolderState Load(string path) => File.Exists(path) ? Parse(File.ReadAllText(path)) : new FolderState();

    /// <summary>Written to a temporary file, synced, then renamed over the old one: a crash leaves the old state or the new, never half of one.</summary>
    public void Save(string path) => SaveTextAsync(path, Serialize()).GetAwaiter().GetResult();

    /// <summary>Writes a <see cref="Serialize"/>d state (taken on the actor's thread, written on a task's).</summary>
    public static async Task SaveTextAsync(string path, string text)
    {
        var temporary = path + ".tmp";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await file.WriteAsync(Encoding.ASCII.GetBytes(text));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
