namespace SmtpCollector.Protocol.Hpfeeds;

/// <summary>The hpfeeds message types, as the opcode byte after the length.</summary>
public enum Opcode
{
    Error = 0,
    Info = 1,
    Auth = 2,
    Publish = 3,
    Subscribe = 4,
    Unsubscribe = 5,
}
