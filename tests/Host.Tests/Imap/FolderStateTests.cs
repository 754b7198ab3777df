using SmtpCollector.Actors.Sources.Imap;
using Xunit;

namespace SmtpCollector.Host.Tests.Imap;

public sealed class FolderStateTests
{
    [Fact]
    public void Published_uids_are_kept_as_ranges_and_read_back_the_same()
    {
        var state = new FolderState();
        state.ResetIfChanged(77);
        foreach (var uid in new uint[] { 5, 1, 2, 3, 9, 4, 11, 10 })
            state.Add(uid);
        Assert.Equal("uidvalidity 77\npublished 1-5,9-11\n", state.Serialize());
        var back = FolderState.Parse(state.Serialize());
        Assert.Equal(77u, back.UidValidity);
        Assert.True(back.Contains(4) && back.Contains(10) && !back.Contains(6) && !back.Contains(12));
    }

    [Fact]
    public void A_new_uidvalidity_drops_the_old_uids()
    {
        var state = new FolderState();
        Assert.False(state.ResetIfChanged(1));
        state.Add(3);
        Assert.True(state.ResetIfChanged(2));
        Assert.False(state.Contains(3));
    }

    [Fact]
    public void A_damaged_state_file_is_an_error_not_a_guess()
    {
        Assert.ThrowsAny<FormatException>(() => FolderState.Parse("uidvalidity 1\npublished 5-9,3\n"));
    }

    [Fact]
    public void Saving_replaces_the_file_whole()
    {
        using var temp = new TempDirectory();
        var path = temp.File("f.state");
        var state = new FolderState();
        state.ResetIfChanged(9);
        state.Add(1);
        state.Save(path);
        state.Add(2);
        state.Save(path);
        Assert.Equal("uidvalidity 9\npublished 1-2\n", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".tmp"));
    }
}
