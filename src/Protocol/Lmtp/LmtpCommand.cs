namespace SmtpCollector.Protocol.Lmtp;

/// <summary>A command line split into its verb and the (UTF-8 decoded) rest of the line.</summary>
public readonly record struct LmtpCommand(LmtpVerb Verb, string Argument);

/// <summary>Either a command or the reason the line is not one.</summary>
public readonly record struct ParsedLine(LmtpCommand Command, Rejection? Rejection)
{
    public static ParsedLine Of(LmtpCommand command) => new(command, null);
    public static ParsedLine Refused(Rejection rejection) => new(default, rejection);
}
