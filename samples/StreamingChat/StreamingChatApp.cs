using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Replicate;

namespace StreamingChat;

/// <summary>The web app: a static page, and an endpoint that streams a model's tokens to it as server-sent events.</summary>
public static class StreamingChatApp
{
    /// <summary>
    /// The models the page may run. The endpoint refuses any other, so the page cannot be used to run arbitrary
    /// models on the server's token. The failing model shows how errors reach the page.
    /// </summary>
    public static readonly IReadOnlyList<string> Models = ["meta/meta-llama-3-8b-instruct", "replicate/failing-model"];

    private const int MaxPromptLength = 4000;

    /// <summary>Builds the app; the caller starts it. Kestrel's addresses come from <paramref name="args"/> (<c>--urls</c>).</summary>
    /// <param name="args">Command-line arguments, e.g. <c>--urls http://127.0.0.1:0</c>.</param>
    /// <param name="configureReplicate">Points the <see cref="ReplicateClient"/> at the real API or an emulator.</param>
    public static WebApplication Build(string[] args, Action<ReplicateClientOptions> configureReplicate)
    {
        // Content root = output folder, where wwwroot is copied (see the project file).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddReplicate(configureReplicate);

        var app = builder.Build();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapGet("/api/models", () => Models);
        app.MapPost("/api/chat", (ChatRequest request, ReplicateClient replicate, CancellationToken cancellationToken) =>
        {
            if (!Models.Contains(request.Model))
            {
                return Results.Problem($"Unknown model '{request.Model}'.", statusCode: StatusCodes.Status400BadRequest);
            }

            if (string.IsNullOrWhiteSpace(request.Prompt) || request.Prompt.Length > MaxPromptLength)
            {
                return Results.Problem($"Write a prompt of 1 to {MaxPromptLength} characters.", statusCode: StatusCodes.Status400BadRequest);
            }

            // cancellationToken is the request's: when the browser goes away, the stream stops and the SDK cancels the prediction.
            return TypedResults.ServerSentEvents(StreamAsync(replicate, request, cancellationToken));
        });
        return app;
    }

    /// <summary>
    /// Token events as they arrive, then <c>done</c>; or an <c>error</c> event, because once the stream has started the
    /// HTTP status can no longer say that the model failed. Data is JSON, so tokens keep their spaces and newlines.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(ReplicateClient replicate, ChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tokens = replicate.StreamTextAsync(request.Model, new { prompt = request.Prompt, max_tokens = 512 }, cancellationToken: cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                string? error = null;
                try
                {
                    if (!await tokens.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (PredictionFailedException ex)
                {
                    error = ex.Error ?? ex.Message;
                }
                catch (ReplicateApiException ex)
                {
                    error = ex.Detail ?? ex.Message;
                }

                if (error is not null)
                {
                    yield return new SseItem<string>(JsonSerializer.Serialize(error), "error");
                    yield break;
                }

                yield return new SseItem<string>(JsonSerializer.Serialize(tokens.Current), "token");
            }
        }
        finally
        {
            await tokens.DisposeAsync();
        }

        yield return new SseItem<string>("{}", "done");
    }
}

/// <summary>What the page posts.</summary>
/// <param name="Model">One of <see cref="StreamingChatApp.Models"/>.</param>
/// <param name="Prompt">The user's prompt.</param>
public sealed record ChatRequest(string Model, string Prompt);
