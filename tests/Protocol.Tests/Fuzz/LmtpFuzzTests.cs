using CsCheck;
using SmtpCollector.Protocol.Lmtp;

namespace SmtpCollector.Protocol.Tests.Fuzz;

/// <summary>
/// The LMTP protocol core fed a client's byte stream the way the connection stage feeds it (see <see cref="LmtpDriver"/>),
/// in random reads. Iteration counts are for CI; bench/fuzz.sh runs the same properties long (see <see cref="FuzzRun"/>).
/// </summary>
public class LmtpFuzzTests
{
    private static readonly Gen<(LmtpSessionSettings Settings, byte[] Input, int[] Cuts)> Hostile =
        Gen.Select(LmtpHostileGen.Settings, LmtpHostileGen.Input, Gens.Cuts);

    private static string Show((LmtpSessionSettings Settings, byte[] Input, int[] Cuts) t) =>
        $"limits {t.Settings.Limits}, domains [{string.Join(",", t.Settings.Domains.Domains)}], cuts [{string.Join(",", t.Cuts)}]\n{Gens.Escape(t.Input)}";

    private static string Show((ModelSession Model, int[] Cuts) t)
    {
        var input = LmtpModelRendering.Render(t.Model).Input;
        return $"model {t.Model.MaxLineBytes}/{t.Model.MaxMessageBytes}/{t.Model.MaxRecipients} restrict={t.Model.RestrictDomains}, cuts [{string.Join(",", t.Cuts)}]\n{Gens.Escape(input)}";
    }

    [Fact]
    public void Hostile_input_gets_well_formed_replies_and_only_the_bytes_it_sent_are_stored()
    {
        FuzzRun.Check(Hostile, t =>
        {
            var run = LmtpDriver.Run(t.Settings, Gens.Cut(t.Input, t.Cuts));
            LmtpChecks.All(run, t.Input, t.Settings.Limits);
        }, ciIterations: 4500, print: Show);
    }

    [Fact]
    public void Hostile_input_gives_the_same_replies_and_messages_whatever_the_reads()
    {
        FuzzRun.Check(Gen.Select(Hostile, Gens.Cuts), t =>
        {
            var (settings, input, cuts) = t.Item1;
            var first = LmtpDriver.Run(settings, Gens.Cut(input, cuts));
            var second = LmtpDriver.Run(settings, Gens.Cut(input, t.Item2));
            var whole = LmtpDriver.Run(settings, [input]);
            foreach (var other in new[] { second, whole })
            {
                Assert.Equal(first.Output, other.Output);
                Assert.Equal(first.Closed, other.Closed);
                Assert.Equal(first.Messages.Select(m => m.Sha256), other.Messages.Select(m => m.Sha256));
                Assert.Equal(first.Messages.Select(m => m.Bytes), other.Messages.Select(m => m.Bytes));
            }
        }, ciIterations: 2000, print: t => Show(t.Item1) + $"\nsecond cuts [{string.Join(",", t.Item2)}]");
    }

    [Fact]
    public void A_well_formed_session_gets_the_replies_the_model_expects_and_stores_each_message_byte_for_byte()
    {
        FuzzRun.Check(Gen.Select(LmtpModelGen.Session, Gens.Cuts), t =>
        {
            var (model, cuts) = t;
            var expected = LmtpModelRendering.Render(model);
            var run = LmtpDriver.Run(model.Settings, Gens.Cut(expected.Input, cuts), model.SinkVerdict);

            LmtpChecks.All(run, expected.Input, model.Settings.Limits);
            Assert.True(run.Replies.Select(r => r.Code).SequenceEqual([220, .. expected.Codes]),
                $"expected codes {string.Join(" ", expected.Codes)}, the session said:\n{run.Describe()}");
            var messages = run.Messages.ToList();
            Assert.Equal(expected.Messages, messages.Select(m => m.Bytes));
            Assert.Equal(expected.Recipients, messages.Select(m => m.Recipients));
            Assert.Equal(model.Quit, run.Closed);
        }, ciIterations: 3000, print: Show);
    }
}
