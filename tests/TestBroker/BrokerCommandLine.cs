using System.Globalization;
using System.Net;

namespace SmtpCollector.TestBroker;

/// <summary><c>--port N --bind ADDRESS --name NAME --user ident:secret:pubchans:subchans ...</c>, for the benchmark and the container test.</summary>
public static class BrokerCommandLine
{
    public const string Usage = "usage: TestBroker [--port N] [--bind ADDRESS] [--name NAME] --user ident:secret:pub1,pub2:sub1,sub2 [--user ...]";

    public static BrokerOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new BrokerOptions();
        var accounts = new List<BrokerAccount>();
        for (var i = 0; i < args.Count; i += 2)
        {
            var name = args[i];
            if (name is not ("--port" or "--bind" or "--name" or "--user"))
                throw new FormatException($"Unknown option {name}. {Usage}");
            var value = i + 1 < args.Count ? args[i + 1] : throw new FormatException($"{name} needs a value. {Usage}");
            options = name switch
            {
                "--port" => options with { Port = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) },
                "--bind" => options with { Address = IPAddress.Parse(value) },
                "--name" => options with { Name = value },
                _ => options,
            };
            if (name == "--user")
                accounts.Add(BrokerAccount.Parse(value));
        }
        return options with { Accounts = accounts };
    }
}
