using System.Text.Json;
using System.Text.RegularExpressions;
using Replicate.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Replicate.Tests;

/// <summary>
/// Calls every operation of Replicate's OpenAPI spec through the SDK against the emulator, then matches the requests the
/// emulator saw to the spec's operations: an operation no SDK method reaches fails the test.
/// </summary>
public class ApiCoverageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryOperationIdInTheSpec_IsReachableThroughTheSdk()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.MaxRetries = 0);
        var r = h.Client;
        var hello = (await r.Models.GetAsync("replicate/hello-world")).LatestVersion!.Id;

        async Task Try(Func<Task> call)
        {
            try
            {
                await call();
            }
            catch (ReplicateApiException)
            {
                // Reaching the endpoint is what counts here; each endpoint's behaviour has its own tests.
            }
        }

        await Try(() => r.Account.GetAsync());
        await Try(() => r.Collections.ListAsync());
        await Try(() => r.Collections.GetAsync("language-models"));
        await Try(() => r.Hardware.ListAsync());
        await Try(() => r.SearchAsync("hello"));
        await Try(() => r.Webhooks.GetDefaultSecretAsync());

        await Try(() => r.Models.ListAsync());
        await Try(() => r.Models.SearchAsync("hello"));
        await Try(() => r.Models.GetAsync("replicate/hello-world"));
        await Try(() => r.Models.CreateAsync(new CreateModelOptions { Owner = "emulator", Name = "coverage", Visibility = ModelVisibility.Private, Hardware = "cpu" }));
        await Try(() => r.Models.UpdateAsync("emulator/coverage", new UpdateModelOptions { Description = "covered" }));
        await Try(() => r.Models.GetReadmeAsync("replicate/hello-world"));
        await Try(() => r.Models.ListExamplesAsync("replicate/hello-world"));
        await Try(() => r.Models.Versions.ListAsync("replicate/hello-world"));
        await Try(() => r.Models.Versions.GetAsync("replicate/hello-world", hello));
        await Try(() => r.Models.Versions.DeleteAsync("replicate/hello-world", hello));

        await Try(() => r.Predictions.CreateAsync("replicate/hello-world", new { text = "a" }));
        var prediction = await r.Predictions.CreateAsync($"replicate/hello-world:{hello}", new { text = "b" });
        await Try(() => r.Predictions.GetAsync(prediction.Id));
        await Try(() => r.Predictions.CancelAsync(prediction.Id));
        await Try(() => r.Predictions.ListAsync());

        await Try(() => r.Trainings.CreateAsync($"replicate/hello-world:{hello}", "emulator/coverage", new { text = "t" }));
        await Try(() => r.Trainings.ListAsync());
        await Try(() => r.Trainings.GetAsync("missing"));
        await Try(() => r.Trainings.CancelAsync("missing"));

        await Try(() => r.Deployments.CreateAsync(new CreateDeploymentOptions { Name = "coverage", Model = "replicate/hello-world", Version = hello, Hardware = "cpu", MinInstances = 0, MaxInstances = 1 }));
        await Try(() => r.Deployments.ListAsync());
        await Try(() => r.Deployments.GetAsync("emulator/coverage"));
        await Try(() => r.Deployments.UpdateAsync("emulator/coverage", new UpdateDeploymentOptions { MaxInstances = 2 }));
        await Try(() => r.Deployments.Predictions.CreateAsync("emulator/coverage", new { text = "d" }));
        await Try(() => r.Deployments.DeleteAsync("emulator/coverage"));

        var file = await r.Files.UploadAsync(new byte[] { 1, 2, 3 });
        await Try(() => r.Files.GetAsync(file.Id));
        await Try(() => r.Files.ListAsync());
        await Try(() => r.Files.CopyToAsync(new FileDownloadLink(file.Id, "emulator", DateTimeOffset.UnixEpoch.AddYears(100), "c2ln"), Stream.Null));
        await Try(() => r.Files.DeleteAsync(file.Id));
        await Try(() => r.Models.DeleteAsync("emulator/coverage"));

        var operations = SpecOperations();
        var seen = h.Emulator.Requests.Select(q => (q.Method, q.Path)).ToList();
        var missing = operations.Where(op => !seen.Any(s => s.Method == op.Method && op.Path.IsMatch(s.Path))).Select(op => op.Id).ToList();

        output.WriteLine($"{operations.Count} operations in the spec, {operations.Count - missing.Count} reached through the SDK.");
        Assert.Equal(37, operations.Count);
        Assert.Empty(missing);
    }

    private static List<(string Id, string Method, Regex Path)> SpecOperations()
    {
        using var spec = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "openapi.json")));
        var operations = new List<(string, string, Regex)>();
        foreach (var path in spec.RootElement.GetProperty("paths").EnumerateObject())
        {
            var pattern = new Regex("^/v1" + Regex.Replace(Regex.Escape(path.Name), @"\\\{[^}]+}", "[^/]+") + "$");
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("operationId", out var id))
                {
                    operations.Add((id.GetString()!, operation.Name.ToUpperInvariant(), pattern));
                }
            }
        }

        return operations;
    }
}
