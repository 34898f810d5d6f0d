using System.Net;
using System.Text;

namespace Replicate;

/// <summary>
/// The API answered with an error status. Carries the status and the RFC 7807 problem details the server sent
/// (<c>type</c>, <c>title</c>, <c>detail</c>, <c>instance</c>), the raw body, and <c>Retry-After</c> when given.
/// </summary>
public sealed class ReplicateApiException : ReplicateException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="message">The message.</param>
    public ReplicateApiException(HttpStatusCode statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ReplicateApiException(HttpStatusCode statusCode, string message, Exception? innerException)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>Gets the HTTP status the server answered with.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Gets the problem type URI (<c>type</c>), when the body had one.</summary>
    public string? Type { get; init; }

    /// <summary>Gets the short summary (<c>title</c>), when the body had one.</summary>
    public string? Title { get; init; }

    /// <summary>Gets the explanation (<c>detail</c>), when the body had one.</summary>
    public string? Detail { get; init; }

    /// <summary>Gets the problem instance (<c>instance</c>), when the body had one.</summary>
    public string? Instance { get; init; }

    /// <summary>Gets how long the server asked to wait before retrying (<c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Gets the response body as text (truncated to 64 KiB), for whatever the fields above miss.</summary>
    public string? ResponseBody { get; init; }

    /// <summary>Gets the request method, e.g. <c>POST</c>.</summary>
    public string? RequestMethod { get; init; }

    /// <summary>Gets the request URL without its query string (query strings can hold signatures).</summary>
    public Uri? RequestUri { get; init; }

    /// <summary>Gets how many attempts were made, retries included, when the retry handler was in the pipeline.</summary>
    public int? Attempts { get; init; }

    /// <summary>The same failure with <paramref name="hint"/> appended to the message, for callers that know more about why.</summary>
    internal ReplicateApiException WithHint(string hint) => new(StatusCode, Message + hint, this)
    {
        Type = Type,
        Title = Title,
        Detail = Detail,
        Instance = Instance,
        RetryAfter = RetryAfter,
        ResponseBody = ResponseBody,
        RequestMethod = RequestMethod,
        RequestUri = RequestUri,
        Attempts = Attempts,
    };

    internal static string Describe(HttpStatusCode status, string? method, Uri? uri, string? title, string? detail, TimeSpan? retryAfter, string? body, int? attempts)
    {
        var message = new StringBuilder("Replicate API request ");
        if (method is not null && uri is not null)
        {
            message.Append(method).Append(' ').Append(uri.AbsolutePath).Append(' ');
        }

        message.Append("failed with ").Append((int)status).Append(' ').Append(ReasonPhrase(status));
        if (title is not null || detail is not null)
        {
            message.Append(": ").Append(title);
            if (title is not null && detail is not null)
            {
                message.Append(" - ");
            }

            message.Append(detail);
        }
        else if (!string.IsNullOrWhiteSpace(body))
        {
            message.Append(": ").Append(body.Length > 300 ? string.Concat(body.AsSpan(0, 300), "...") : body);
        }

        if (attempts > 1)
        {
            message.Append(" (after ").Append(attempts).Append(" attempts)");
        }

        message.Append('.');
        var hint = status switch
        {
            HttpStatusCode.Unauthorized => " Check the API token: set REPLICATE_API_TOKEN or ReplicateClientOptions.ApiToken to a token from https://replicate.com/account/api-tokens.",
            HttpStatusCode.PaymentRequired => " The account has no credit or billing set up: see https://replicate.com/account/billing.",
            HttpStatusCode.Forbidden => " The token is valid but not allowed to do this.",
            HttpStatusCode.TooManyRequests => retryAfter is { } wait
                ? $" Throttled: retry after {wait.TotalSeconds:0.#} s, or raise ReplicateClientOptions.MaxRetries / MaxRetryDelay."
                : " Throttled: slow down, or raise ReplicateClientOptions.MaxRetries.",
            _ => string.Empty,
        };
        return message.Append(hint).ToString();
    }

    private static string ReasonPhrase(HttpStatusCode status) => status switch
    {
        (HttpStatusCode)422 => "Unprocessable Entity",
        (HttpStatusCode)429 => "Too Many Requests",
        _ => Enum.IsDefined(status) ? SplitWords(status.ToString()) : string.Empty,
    };

    private static string SplitWords(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 4);
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
