using Replicate.Tests.Infrastructure;
using static Replicate.Tests.Infrastructure.ScriptedApi;

namespace Replicate.Tests;

/// <summary>URL fields of responses (<c>format: uri</c> in the spec), which must never make a whole response unreadable.</summary>
public class UrlReadingTests
{
    // A valid RFC 3986 URI (a reg-name host may hold sub-delims such as '+' and ','), as Prism's dynamic mode generates
    // them for the spec's `format: uri` fields, which System.Uri cannot parse.
    private const string Odd = "http://ldz.ntuaIuC2uvYfxW2qu6GVohGNxFvgNc5JU-+RYxpeLYjrotSTRClHH55";
    private const string CreatedBy = $$"""{"type":"user","username":"alice","github_url":"{{Odd}}","avatar_url":"{{Odd}}"}""";
    private const string Account = $$"""{"type":"organization","username":"acme","name":"Acme","github_url":"{{Odd}}","avatar_url":"https://example.com/a.png"}""";
    private const string Model = $$"""{"url":"{{Odd}}","owner":"acme","name":"m","visibility":"public","run_count":3,"github_url":"{{Odd}}","paper_url":"{{Odd}}","license_url":"{{Odd}}","cover_image_url":"{{Odd}}"}""";
    private const string Deployment = $$$$"""{"owner":"acme","name":"d","current_release":{"number":2,"model":"acme/m","version":"v","created_at":"2026-01-01T00:00:00Z","created_by":{{{{CreatedBy}}}},"configuration":{"hardware":"cpu","min_instances":0,"max_instances":1}}}""";
    private const string File = $$$"""{"id":"f1","content_type":"text/plain","size":5,"checksums":{"sha256":"abc"},"metadata":{},"created_at":"2026-01-01T00:00:00Z","expires_at":"2026-01-02T00:00:00Z","urls":{"get":"{{{Odd}}}"}}""";
    private const string Training = $$$"""{"id":"t1","model":"acme/m","version":"v","status":"starting","input":{},"created_at":"2026-01-01T00:00:00Z","urls":{"get":"{{{Odd}}}","cancel":"{{{Odd}}}","web":"https://replicate.com/t/t1"}}""";

    [Fact]
    public async Task AUrlSystemUriCannotParse_ReadsAsNull_AndTheRestOfTheResponseIsRead()
    {
        using var server = Start();
        foreach (var (path, body) in new[]
        {
            ("account", Account),
            ("models/acme/m", Model),
            ("models", $$"""{"next":null,"previous":null,"results":[{{Model}}]}"""),
            ("deployments/acme/d", Deployment),
            ("files/f1", File),
            ("files", $$"""{"next":null,"previous":null,"results":[{{File}}]}"""),
            ("trainings/t1", Training),
        })
        {
            server.Given(Api(path)).RespondWith(Json(200, body));
        }

        using var client = Client(server.ApiBase(), TimeProvider.System);

        var account = await client.Account.GetAsync();
        Assert.Equal("acme", account.Username);
        Assert.Null(account.GithubUrl);
        Assert.Equal(new Uri("https://example.com/a.png"), account.AvatarUrl);

        foreach (var model in new[] { await client.Models.GetAsync("acme/m"), Assert.Single((await client.Models.ListAsync()).Results) })
        {
            Assert.Equal("acme/m", model.ToString());
            Assert.Equal(3, model.RunCount);
            Assert.All(new[] { model.Url, model.GithubUrl, model.PaperUrl, model.LicenseUrl, model.CoverImageUrl }, Assert.Null);
        }

        var deployment = await client.Deployments.GetAsync("acme/d");
        Assert.Equal("alice", deployment.CurrentRelease?.CreatedBy?.Username);
        Assert.Null(deployment.CurrentRelease?.CreatedBy?.GithubUrl);
        Assert.Null(deployment.CurrentRelease?.CreatedBy?.AvatarUrl);

        foreach (var file in new[] { await client.Files.GetAsync("f1"), Assert.Single((await client.Files.ListAsync()).Results) })
        {
            Assert.Equal(5, file.Size);
            Assert.NotNull(file.Urls);
            Assert.Null(file.Urls.Get);
        }

        var training = await client.Trainings.GetAsync("t1");
        Assert.Equal("t1", training.Id);
        Assert.Null(training.Urls?.Get);
        Assert.Null(training.Urls?.Cancel);
        Assert.Equal(new Uri("https://replicate.com/t/t1"), training.Urls?.Web);
    }
}
