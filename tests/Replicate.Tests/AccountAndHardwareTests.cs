using System.Net;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class AccountAndHardwareTests
{
    [Fact]
    public async Task Account_GetsTheTokensAccount()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.AccountUsername = "acme-corp");

        var account = await h.Client.Account.GetAsync();

        var request = Assert.Single(h.Emulator.Requests);
        Assert.Equal(("GET", "/v1/account"), (request.Method, request.Path));
        Assert.True(request.CarriesToken(h.Emulator.ApiToken!));
        Assert.Equal(AccountType.User, account.Type);
        Assert.Equal("acme-corp", account.Username);
        Assert.Equal("Replicate Emulator", account.Name);
        Assert.Equal(new Uri("https://github.com/acme-corp"), account.GithubUrl);
        Assert.Null(account.AvatarUrl);
        Assert.Equal("acme-corp", account.ToString());
    }

    [Fact]
    public async Task Account_WithABadToken_Is401()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.ApiToken = "r8_wrong");

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Account.GetAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.DoesNotContain("r8_wrong", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hardware_ListsThePlainArray()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var hardware = await h.Client.Hardware.ListAsync();

        var request = Assert.Single(h.Emulator.Requests);
        Assert.Equal(("GET", "/v1/hardware"), (request.Method, request.Path));
        Assert.Contains(hardware, x => x.Sku == "cpu" && x.Name == "CPU");
        Assert.Contains(hardware, x => x.Sku == "gpu-t4" && x.Name == "Nvidia T4 GPU");
        Assert.Contains(hardware, x => x.Sku == "gpu-a40-large");
        Assert.Equal("cpu", hardware[0].ToString());
    }
}
