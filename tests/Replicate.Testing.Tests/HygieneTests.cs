using System.Net;
using System.Net.Http.Headers;

namespace Replicate.Testing.Tests;

/// <summary>The emulator runs inside users' test processes: it must not leak their token, serve other sites, or expose uploads.</summary>
public sealed class HygieneTests
{
    [Fact]
    public async Task Recorded_requests_keep_the_auth_scheme_but_not_the_token()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        using var response = await client.GetAsync(new Uri("account", UriKind.Relative));

        var recorded = Assert.Single(emulator.Requests);
        Assert.Equal("Bearer [redacted]", recorded.Headers["Authorization"]);
        Assert.DoesNotContain(emulator.ApiToken!, recorded.Headers["Authorization"], StringComparison.Ordinal);
        Assert.True(recorded.CarriesToken(emulator.ApiToken!));
        Assert.False(recorded.CarriesToken("r8_other"));
    }

    [Theory]
    [InlineData("evil.example.com")]
    [InlineData("127.0.0.1.nip.io")]
    [InlineData("localhost.evil.example.com")]
    public async Task Requests_addressed_to_another_host_name_are_refused(string host)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        using var request = new HttpRequestMessage(HttpMethod.Get, "account");
        request.Headers.Host = host + ":" + emulator.BaseAddress.Port;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("\"username\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task Loopback_host_names_are_served(string host)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        using var request = new HttpRequestMessage(HttpMethod.Get, "account");
        request.Headers.Host = host + ":" + emulator.BaseAddress.Port;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Uploads_go_to_a_private_folder_that_is_removed_on_dispose()
    {
        var emulator = await ReplicateEmulator.StartAsync();
        string folder;
        await using (emulator)
        {
            using var client = TestHttp.Client(emulator);
            using var form = new MultipartFormDataContent();
            var part = new ByteArrayContent("secret scan"u8.ToArray());
            part.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            form.Add(part, "content", "scan.txt");

            using var created = await client.PostAsync(new Uri("files", UriKind.Relative), form);

            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            folder = emulator.UploadDirectory!;
            Assert.True(Directory.Exists(folder));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            }
        }

        Assert.False(Directory.Exists(folder));
    }
}
