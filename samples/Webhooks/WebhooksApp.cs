using Replicate;
using Replicate.AspNetCore;

namespace Webhooks;

/// <summary>
/// The web app: <c>POST /webhooks/replicate</c> receives Replicate's webhook deliveries, verifies their signatures and
/// records completed predictions idempotently; <c>GET /predictions</c> lists them; <c>POST /predictions</c> starts a
/// prediction whose webhook points back at this app.
/// </summary>
public static partial class WebhooksApp
{
    /// <summary>The path deliveries are POSTed to.</summary>
    public const string WebhookPath = "/webhooks/replicate";

    /// <summary>Builds the app; the caller starts it. Kestrel's addresses come from <paramref name="args"/> (<c>--urls</c>).</summary>
    /// <param name="args">Command-line arguments, e.g. <c>--urls http://127.0.0.1:0</c>.</param>
    /// <param name="configureReplicate">Points the <see cref="ReplicateClient"/> at the real API or an emulator.</param>
    /// <returns>The app, not started.</returns>
    public static WebApplication Build(string[] args, Action<ReplicateClientOptions> configureReplicate)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddReplicate(configureReplicate);
        builder.Services.AddSingleton<WebhookSecretSource>();
        builder.Services.AddSingleton<CompletedPredictions>();

        var app = builder.Build();
        app.MapPost(WebhookPath, ReceiveAsync);
        app.MapGet("/predictions", (CompletedPredictions store) => store.Completed);
        app.MapPost("/predictions", StartAsync);
        return app;
    }

    /// <summary>
    /// Verifies and records one delivery. Anything not signed with the account's secret (or too old: a replay) gets 401
    /// and changes nothing. Every verified delivery gets 200, duplicates and stale ones too, so that Replicate stops
    /// retrying it.
    /// </summary>
    private static async Task<IResult> ReceiveAsync(
        HttpRequest request, WebhookSecretSource secrets, CompletedPredictions store, ILogger<CompletedPredictions> logger, CancellationToken cancellationToken)
    {
        var secret = await secrets.GetAsync(cancellationToken);
        Prediction prediction;
        try
        {
            prediction = await request.ReadReplicateWebhookAsync(secret, cancellationToken);
        }
        catch (WebhookVerificationException ex)
        {
            LogRefused(logger, ex.Reason);
            return ex.Reason == WebhookVerificationFailure.BodyTooLarge
                ? Results.StatusCode(StatusCodes.Status413PayloadTooLarge)
                : Results.Problem(ex.Message, statusCode: StatusCodes.Status401Unauthorized);
        }

        var outcome = store.Record(request.Headers["webhook-id"].ToString(), prediction);
        LogDelivery(logger, prediction.Id, prediction.Status.Value, outcome);
        return Results.Ok(new { outcome = outcome.ToString() });
    }

    [LoggerMessage(1, LogLevel.Warning, "Refused a webhook delivery: {Reason}")]
    private static partial void LogRefused(ILogger logger, WebhookVerificationFailure reason);

    [LoggerMessage(2, LogLevel.Information, "Webhook for prediction {PredictionId} ({Status}): {Outcome}")]
    private static partial void LogDelivery(ILogger logger, string predictionId, string status, DeliveryOutcome outcome);

    /// <summary>
    /// Starts a prediction whose webhook is this app's receiver. Replicate must reach that URL: it is
    /// <c>Webhooks:PublicBaseUrl</c> from configuration (an HTTPS address that forwards here), else this app's own
    /// address, which only the emulator can reach.
    /// </summary>
    private static async Task<IResult> StartAsync(RunRequest run, HttpRequest request, ReplicateClient replicate, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var publicBase = configuration["Webhooks:PublicBaseUrl"] ?? $"{request.Scheme}://{request.Host}";
        var prediction = await replicate.Predictions.CreateAsync(run.Model, run.Input, new PredictionOptions
        {
            Webhook = new Uri(new Uri(publicBase), WebhookPath),
            WebhookEventsFilter = [WebhookEventType.Start, WebhookEventType.Completed],
        }, cancellationToken);
        return Results.Accepted(value: new { id = prediction.Id, status = prediction.Status.Value });
    }
}

/// <summary>What <c>POST /predictions</c> takes.</summary>
/// <param name="Model">The model to run, e.g. <c>replicate/hello-world</c>.</param>
/// <param name="Input">The model's input.</param>
public sealed record RunRequest(string Model, System.Text.Json.JsonElement Input);
