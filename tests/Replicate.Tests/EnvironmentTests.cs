using Replicate.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

/// <summary>Reads process-wide environment variables, so it runs alone.</summary>
[Collection(nameof(EnvironmentTests))]
[CollectionDefinition(nameof(EnvironmentTests), DisableParallelization = true)]
public class EnvironmentTests
{
    [Fact]
    public async Task Defaults_ComeFromTheReplicateEnvironmentVariables()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        var saved = (Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN"), Environment.GetEnvironmentVariable("REPLICATE_BASE_URL"), Environment.GetEnvironmentVariable("REPLICATE_POLL_INTERVAL"));
        try
        {
            Environment.SetEnvironmentVariable("REPLICATE_API_TOKEN", emulator.ApiToken);
            Environment.SetEnvironmentVariable("REPLICATE_BASE_URL", emulator.BaseAddress.ToString().TrimEnd('/'));
            Environment.SetEnvironmentVariable("REPLICATE_POLL_INTERVAL", "0.01");
            using var client = new ReplicateClient();

            var output = await client.RunAsync("replicate/hello-world", new { text = "env" }, new PredictionOptions { Wait = TimeSpan.Zero });

            Assert.Equal("hello env", output.AsString());
            Assert.Equal(emulator.BaseAddress, client.BaseAddress);
            Assert.True(emulator.Requests[0].CarriesToken(emulator.ApiToken!));
        }
        finally
        {
            Environment.SetEnvironmentVariable("REPLICATE_API_TOKEN", saved.Item1);
            Environment.SetEnvironmentVariable("REPLICATE_BASE_URL", saved.Item2);
            Environment.SetEnvironmentVariable("REPLICATE_POLL_INTERVAL", saved.Item3);
        }
    }

    [Theory]
    [InlineData("REPLICATE_POLL_INTERVAL", "soon")]
    [InlineData("REPLICATE_BASE_URL", "not a url")]
    public void InvalidEnvironmentValues_SayWhichVariable(string variable, string value)
    {
        var saved = Environment.GetEnvironmentVariable(variable);
        try
        {
            Environment.SetEnvironmentVariable(variable, value);
            var ex = Assert.Throws<ReplicateException>(() => new ReplicateClient(ScriptedApi.Token));
            Assert.Contains(variable, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, saved);
        }
    }
}
