using SmtpCollector.Protocol.Hpfeeds;

namespace SmtpCollector.Protocol.Tests.Hpfeeds;

public class AuthHashTests
{
    [Fact]
    public void Hashes_the_nonce_then_the_secret_like_the_reference_implementation()
    {
        var hash = AuthHash.Compute("rand"u8, "secret");

        Assert.Equal(Wire.AuthVectorHash, hash);
        Assert.Equal(AuthHash.Length, hash.Length);
    }

    [Fact]
    public void Encodes_the_secret_as_utf8()
    {
        // hashlib.sha1(b"rand" + "sécret".encode()).hexdigest()
        var expected = Convert.FromHexString("7393f3a6549850b9cb9043baf01a89d2b689cec7");

        Assert.Equal(expected, AuthHash.Compute("rand"u8, "sécret"));
        Assert.NotEqual(expected, AuthHash.Compute("rand"u8, "secret"));
    }

    [Fact]
    public void Answers_an_info_frame_with_the_hash_of_its_nonce()
    {
        var info = new InfoFrame("hpfeeds", "rand"u8.ToArray());

        var auth = AuthFrame.For(info, "ident", "secret");

        Assert.Equal(Wire.Vector("auth").Frame, auth);
    }
}
