using System.CommandLine;
using Replicate.Testing;
using Spectre.Console;

namespace Replicate.Cli;

/// <summary>
/// What a command works with: the parsed command line, stdout and stderr (a Spectre console on stderr for live status
/// when it is a terminal), the client (against the API, or the embedded emulator with <c>--emulator</c>), and the
/// interrupt token.
/// </summary>
internal sealed class CliContext : IAsyncDisposable
{
    private readonly Interrupt _interrupt;
    private ReplicateClient? _client;
    private ReplicateEmulator? _emulator;

    public CliContext(ParseResult parseResult, Interrupt interrupt)
    {
        ParseResult = parseResult;
        _interrupt = interrupt;
        Json = parseResult.GetValue(GlobalOptions.Json);
        UseEmulator = parseResult.GetValue(GlobalOptions.Emulator);
        Out = Console.Out;
        Error = Console.Error;
        Input = Console.In;
        IsOutputTerminal = !Console.IsOutputRedirected;
        IsErrorTerminal = !Console.IsErrorRedirected;
        IsInputTerminal = !Console.IsInputRedirected;
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Ansi = IsErrorTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = noColor || !IsErrorTerminal ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = IsErrorTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        OutputConsole = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Ansi = IsOutputTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = noColor || !IsOutputTerminal ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = InteractionSupport.No,
        });
    }

    public ParseResult ParseResult { get; }

    /// <summary><c>--json</c>: data as JSON on stdout.</summary>
    public bool Json { get; }

    /// <summary><c>--emulator</c>: everything runs against an emulator inside this process.</summary>
    public bool UseEmulator { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public TextReader Input { get; }

    /// <summary>Human output (tables, colour) only on a terminal; piped output is plain and stable.</summary>
    public bool IsOutputTerminal { get; }

    /// <summary>Live status (spinner, elapsed time) only when stderr is a terminal; plain status lines otherwise.</summary>
    public bool IsErrorTerminal { get; }

    public bool IsInputTerminal { get; }

    public IAnsiConsole ErrorConsole { get; }

    public IAnsiConsole OutputConsole { get; }

    public CancellationToken CancellationToken => _interrupt.Token;

    public bool Interrupted => _interrupt.Requested;

    public T? Get<T>(Option<T> option) => ParseResult.GetValue(option);

    public T? Get<T>(Argument<T> argument) => ParseResult.GetValue(argument);

    /// <summary>
    /// The client. The token comes from <c>REPLICATE_API_TOKEN</c>, else from <c>replicate auth login</c>; without either the
    /// command stops here with exit 3 and nothing is sent.
    /// </summary>
    public async Task<ReplicateClient> GetClientAsync()
    {
        if (_client is not null)
        {
            return _client;
        }

        if (UseEmulator)
        {
            _emulator = await ReplicateEmulator.StartAsync(cancellationToken: CancellationToken).ConfigureAwait(false);
            _client = new ReplicateClient(new ReplicateClientOptions
            {
                ApiToken = _emulator.ApiToken,
                BaseAddress = _emulator.BaseAddress,
                PollingInterval = TimeSpan.FromMilliseconds(100),
                UserAgentSuffix = UserAgent,
            });
            if (!Json && IsErrorTerminal)
            {
                Error.WriteLine($"Using the embedded emulator at {_emulator.BaseAddress} (no account, no network, nothing is billed).");
            }

            return _client;
        }

        var token = ResolveToken() ?? throw new CliException(
            ExitCodes.ApiError,
            "No API token: set REPLICATE_API_TOKEN or run `replicate auth login`.",
            "Get a token at https://replicate.com/account/api-tokens, or add --emulator to try the tool offline.");
        _client = CreateClient(token);
        return _client;
    }

    /// <summary>A client with the given token and base address (when null, the SDK reads <c>REPLICATE_BASE_URL</c>, else the API's).</summary>
    public static ReplicateClient CreateClient(string token, Uri? baseAddress = null) =>
        new(new ReplicateClientOptions { ApiToken = token, BaseAddress = baseAddress, UserAgentSuffix = UserAgent });

    public static string? ResolveToken()
    {
        var token = Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN");
        return string.IsNullOrWhiteSpace(token) ? TokenStore.Read() : token.Trim();
    }

    private static string UserAgent => "replicate-cli/" + CliVersion.Value;

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
