using System.Net;
using System.Net.Http.Headers;

namespace Replicate.Testing.Tests;

public sealed class AuthTests
{
    [Fact]
    public async Task Missing_token_is_401_problem_with_replicates_body()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = new HttpClient { BaseAddress = emulator.BaseAddress };

        using var response = await client.GetAsync(new Uri("predictions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            """{"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401}""",
            await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("Bearer r8_wrong")]
    [InlineData("Bearer ")]
    [InlineData("Basic cjhfZW11bGF0b3I=")]
    [InlineData("r8_emulator")]
    public async Task Wrong_token_or_scheme_is_401(string authorization)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = new HttpClient { BaseAddress = emulator.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "models/meta/meta-llama-3-8b-instruct");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Token")]
    [InlineData("bearer")]
    public async Task Bearer_and_legacy_token_schemes_are_accepted(string scheme)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = new HttpClient { BaseAddress = emulator.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, "r8_emulator");

        using var response = await client.GetAsync(new Uri("models/meta/meta-llama-3-8b-instruct", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Null_api_token_accepts_any_non_empty_token()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { ApiToken = null });
        using var client = TestHttp.Client(emulator, token: "r8_anything");
        using var anonymous = new HttpClient { BaseAddress = emulator.BaseAddress };

        using var ok = await client.GetAsync(new Uri("models/replicate/hello-world", UriKind.Relative));
        using var denied = await anonymous.GetAsync(new Uri("models/replicate/hello-world", UriKind.Relative));

        Assert.Null(emulator.ApiToken);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
    }

    [Fact]
    public async Task Unknown_routes_are_404_problems_after_auth()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        using var unknown = await client.GetAsync(new Uri("nothing/here", UriKind.Relative));
        using var outside = await client.GetAsync(new Uri("/elsewhere", UriKind.Relative));
        using var wrongMethod = await client.DeleteAsync(new Uri("predictions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        var problem = await TestHttp.JsonAsync(unknown);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.Str("title")));
        Assert.False(string.IsNullOrEmpty(problem.Str("detail")));
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Contains("GET", wrongMethod.Content.Headers.Allow);
    }
}
