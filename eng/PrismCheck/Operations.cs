using Replicate;

namespace PrismCheck;

/// <summary>One SDK call per spec operation; what it returns is read in full by <see cref="ResponseReader"/>.</summary>
/// <param name="Id">The spec's operationId.</param>
/// <param name="Call">The SDK call; returns what the SDK read (or <see langword="null"/> for a call that returns nothing).</param>
/// <param name="Variant">For a probe, what it adds to the operation's main call; <see langword="null"/> for the main call.</param>
internal sealed record Operation(string Id, Func<ReplicateClient, CancellationToken, Task<object?>> Call, string? Variant = null);

/// <summary>
/// The calls of tests/Replicate.Tests/ApiCoverageTests.cs, one per operationId, with the optional parameters and
/// request fields the SDK can send filled in, so Prism validates as much of each request as the SDK can produce.
/// </summary>
internal static class Operations
{
    /// <summary>The operation Prism cannot serve: it has no support for the <c>QUERY</c> method, and drops it when it loads the spec.</summary>
    public const string ExcludedQueryOperation = "models.search";

    private const string Model = "acme/hello-world";
    private const string VersionId = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
    private const string Deployment = "acme/my-deployment";
    private const string PredictionId = "gm3qorzdhgbfurvjtvhg6dckhu";
    private const string TrainingId = "zz4ibbonubfz7carwiefibzgga";
    private const string FileId = "cneqzikepnug6xezperrr4z55o";

    private static readonly Uri Webhook = new("https://example.com/replicate-webhook");
    private static readonly WebhookEventType[] Events = [WebhookEventType.Start, WebhookEventType.Completed];

    public static IReadOnlyList<Operation> All { get; } =
    [
        new("account.get", async (r, ct) => await r.Account.GetAsync(ct)),
        new("collections.list", async (r, ct) => await r.Collections.ListAsync(cancellationToken: ct)),
        new("collections.get", async (r, ct) => await r.Collections.GetAsync("super-resolution", ct)),
        new("hardware.list", async (r, ct) => await r.Hardware.ListAsync(ct)),
        new("search", async (r, ct) => await r.SearchAsync("upscale images", limit: 5, ct)),
        new("webhooks.default.secret.get", async (r, ct) => await r.Webhooks.GetDefaultSecretAsync(ct)),

        new("models.list", async (r, ct) => await r.Models.ListAsync(sortBy: ModelSortBy.LatestVersionCreatedAt, sortDirection: SortDirection.Ascending, cancellationToken: ct)),
        new("models.get", async (r, ct) => await r.Models.GetAsync(Model, ct)),
        new("models.create", async (r, ct) => await r.Models.CreateAsync(
            new CreateModelOptions
            {
                Owner = "acme",
                Name = "hello-world",
                Visibility = ModelVisibility.Private,
                Hardware = "cpu",
                Description = "A model made by the Prism check",
                GithubUrl = new Uri("https://github.com/acme/hello-world"),
                PaperUrl = new Uri("https://arxiv.org/abs/2504.17788"),
                LicenseUrl = new Uri("https://choosealicense.com/licenses/mit/"),
                CoverImageUrl = new Uri("https://example.com/cover.png"),
            },
            ct)),
        new("models.update", async (r, ct) => await r.Models.UpdateAsync(
            Model,
            new UpdateModelOptions
            {
                Description = "Updated by the Prism check",
                Readme = "# Hello",
                GithubUrl = new Uri("https://github.com/acme/hello-world"),
                PaperUrl = new Uri("https://arxiv.org/abs/2504.17788"),
                WeightsUrl = new Uri("https://huggingface.co/acme/hello-world"),
                LicenseUrl = new Uri("https://choosealicense.com/licenses/mit/"),
            },
            ct)),
        new("models.delete", async (r, ct) => await Done(r.Models.DeleteAsync(Model, ct))),
        new("models.readme.get", async (r, ct) => await r.Models.GetReadmeAsync(Model, ct)),
        new("models.examples.list", async (r, ct) => await r.Models.ListExamplesAsync(Model, cancellationToken: ct)),
        new("models.versions.list", async (r, ct) => await r.Models.Versions.ListAsync(Model, cancellationToken: ct)),
        new("models.versions.get", async (r, ct) => await r.Models.Versions.GetAsync(Model, VersionId, ct)),
        new("models.versions.delete", async (r, ct) => await Done(r.Models.Versions.DeleteAsync(Model, VersionId, ct))),
        new("models.predictions.create", async (r, ct) => await r.Predictions.CreateAsync(Model, new { prompt = "hello" }, CreateOptions(), ct)),

        new("predictions.create", async (r, ct) => await r.Predictions.CreateAsync($"{Model}:{VersionId}", new { prompt = "hello" }, CreateOptions(), ct)),
        new("predictions.get", async (r, ct) => await r.Predictions.GetAsync(PredictionId, ct)),
        new("predictions.cancel", async (r, ct) => await r.Predictions.CancelAsync(PredictionId, ct)),
        new("predictions.list", async (r, ct) => await r.Predictions.ListAsync(
            createdAfter: new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            createdBefore: new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero),
            source: PredictionSource.Web,
            cancellationToken: ct)),

        new("trainings.create", async (r, ct) => await r.Trainings.CreateAsync(
            $"{Model}:{VersionId}", "acme/hello-world-tuned", new { steps = 10 }, new TrainingOptions { Webhook = Webhook, WebhookEventsFilter = Events }, ct)),
        new("trainings.list", async (r, ct) => await r.Trainings.ListAsync(cancellationToken: ct)),
        new("trainings.get", async (r, ct) => await r.Trainings.GetAsync(TrainingId, ct)),
        new("trainings.cancel", async (r, ct) => await r.Trainings.CancelAsync(TrainingId, ct)),

        new("deployments.list", async (r, ct) => await r.Deployments.ListAsync(cancellationToken: ct)),
        new("deployments.create", async (r, ct) => await r.Deployments.CreateAsync(
            new CreateDeploymentOptions { Name = "my-deployment", Model = Model, Version = VersionId, Hardware = "gpu-t4", MinInstances = 0, MaxInstances = 2 }, ct)),
        new("deployments.get", async (r, ct) => await r.Deployments.GetAsync(Deployment, ct)),
        new("deployments.update", async (r, ct) => await r.Deployments.UpdateAsync(
            Deployment, new UpdateDeploymentOptions { Version = VersionId, Hardware = "gpu-a40-large", MinInstances = 1, MaxInstances = 3 }, ct)),
        new("deployments.delete", async (r, ct) => await Done(r.Deployments.DeleteAsync(Deployment, ct))),
        new("deployments.predictions.create", async (r, ct) => await r.Deployments.Predictions.CreateAsync(Deployment, new { prompt = "hello" }, CreateOptions(), ct)),

        // Without metadata: Prism cannot validate the metadata part (see Probes), and would reject the whole upload.
        new("files.create", async (r, ct) => await r.Files.UploadAsync(
            "hello, prism"u8.ToArray(), new FileUploadOptions { FileName = "hello.txt", ContentType = "text/plain" }, ct)),
        new("files.list", async (r, ct) => await r.Files.ListAsync(cancellationToken: ct)),
        new("files.get", async (r, ct) => await r.Files.GetAsync(FileId, ct)),
        new("files.download", async (r, ct) =>
        {
            using var copy = new MemoryStream();
            await r.Files.CopyToAsync(new FileDownloadLink(FileId, "acme", DateTimeOffset.UtcNow.AddHours(1), "c2lnbmF0dXJlIG9mIHRoZSBsaW5r"), copy, ct);
            return copy.Length;
        }),
        new("files.delete", async (r, ct) => await Done(r.Files.DeleteAsync(FileId, ct))),
    ];

    /// <summary>
    /// Calls whose requests conform but which Prism rejects for a reason of its own (<see cref="KnownFindings"/>): run so
    /// that the run shows the finding is still Prism's, and not counted as operations.
    /// </summary>
    public static IReadOnlyList<Operation> Probes { get; } =
    [
        new(
            "files.create",
            async (r, ct) => await r.Files.UploadAsync(
                "hello, prism"u8.ToArray(), new FileUploadOptions { FileName = "hello.txt", ContentType = "text/plain", Metadata = new { purpose = "prism-check" } }, ct),
            "with metadata"),
    ];

    /// <summary>Every request field and header a create can carry: a sync wait, a deadline and a filtered webhook.</summary>
    private static PredictionOptions CreateOptions() => new()
    {
        Wait = TimeSpan.FromSeconds(5),
        CancelAfter = TimeSpan.FromMinutes(5),
        Webhook = Webhook,
        WebhookEventsFilter = Events,
    };

    private static async Task<object?> Done(Task call)
    {
        await call;
        return null;
    }
}
