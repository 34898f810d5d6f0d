namespace Replicate.Tests;

public class ModelIdentifierTests
{
    private const string Version = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";

    [Fact]
    public void Parse_OwnerName()
    {
        var id = ModelIdentifier.Parse("black-forest-labs/flux-schnell");
        Assert.Equal("black-forest-labs", id.Owner);
        Assert.Equal("flux-schnell", id.Name);
        Assert.Null(id.Version);
        Assert.Equal("black-forest-labs/flux-schnell", id.ToString());
    }

    [Fact]
    public void Parse_OwnerNameVersion()
    {
        var id = ModelIdentifier.Parse($"replicate/hello-world:{Version}");
        Assert.Equal(("replicate", "hello-world", Version), (id.Owner, id.Name, id.Version));
        Assert.Equal($"replicate/hello-world:{Version}", id.ToString());
    }

    [Fact]
    public void Parse_BareVersion_IsNormalizedToLowerCase()
    {
        var id = ModelIdentifier.Parse(Version.ToUpperInvariant());
        Assert.False(id.HasModel);
        Assert.Equal(Version, id.Version);
        Assert.Equal(Version, id.ToString());
    }

    [Fact]
    public void Parse_Deployment_RoundTrips()
    {
        var id = ModelIdentifier.Parse("deployment:acme/my-app");
        Assert.True(id.IsDeployment);
        Assert.Equal(("acme", "my-app", null), (id.Owner, id.Name, id.Version));
        Assert.True(id.HasModel);
        Assert.Equal("deployment:acme/my-app", id.ToString());
        Assert.Equal(id, ModelIdentifier.Deployment("acme", "my-app"));
        Assert.NotEqual(id, ModelIdentifier.Parse("acme/my-app"));
        Assert.False(ModelIdentifier.Parse("acme/my-app").IsDeployment);
    }

    [Theory]
    [InlineData("deployment:", "deployment:owner/name")]
    [InlineData("deployment:acme", "deployment:owner/name")]
    [InlineData("deployment:a/b/c", "deployment:owner/name")]
    [InlineData("deployment:../x", "deployment:owner/name")]
    [InlineData("deployment:acme/app:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa", "takes no ':version'")]
    [InlineData("Deployment:acme/app", "is not a model identifier")]
    public void Parse_InvalidDeployment_ThrowsFormatException(string value, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => ModelIdentifier.Parse(value));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deployment_ValidatesParts()
    {
        Assert.Equal("owner", Assert.Throws<ArgumentException>(() => ModelIdentifier.Deployment("a b", "c")).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => ModelIdentifier.Deployment("a", "")).ParamName);
    }

    [Fact]
    public void ImplicitConversion_FromString() => Assert.Equal("a/b", ((ModelIdentifier)"a/b").ToString());

    [Theory]
    [InlineData("", "required")]
    [InlineData("   ", "required")]
    [InlineData("flux", "'flux' is not a model identifier")]
    [InlineData("a/b/c", "exactly one '/'")]
    [InlineData("/name", "owner and name must be non-empty")]
    [InlineData("owner/", "owner and name must be non-empty")]
    [InlineData("own er/name", "owner and name")]
    [InlineData("owner/name:", "invalid version ''")]
    [InlineData("owner/name:abc", "invalid version 'abc'")]
    [InlineData("owner/name:latest", "64 hexadecimal")]
    [InlineData("../x", "owner and name")]
    [InlineData("owner/..", "owner and name")]
    [InlineData("5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaZ", "is not a model identifier")]
    public void Parse_Invalid_ThrowsFormatExceptionNamingTheValue(string value, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => ModelIdentifier.Parse(value));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.False(ModelIdentifier.TryParse(value, out _));
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNull() => Assert.Throws<ArgumentNullException>(() => ModelIdentifier.Parse(null!));

    [Fact]
    public void Create_ValidatesParts()
    {
        Assert.Equal("a/b", ModelIdentifier.Create("a", "b").ToString());
        Assert.Equal("owner", Assert.Throws<ArgumentException>(() => ModelIdentifier.Create("a b", "b")).ParamName);
        Assert.Equal("version", Assert.Throws<ArgumentException>(() => ModelIdentifier.Create("a", "b", "v1")).ParamName);
    }

    [Fact]
    public void RandomStrings_NeverThrowAnythingButFormatException()
    {
        // Seeded, so a failure reproduces.
        var random = new Random(20261122);
        const string alphabet = "ab/:_-.0123456789ef \t\n%?#";
        for (var i = 0; i < 5000; i++)
        {
            var chars = new char[random.Next(0, 80)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars);
            if (ModelIdentifier.TryParse(text, out var id))
            {
                Assert.Equal(id, ModelIdentifier.Parse(id.ToString()));
            }
            else
            {
                Assert.Throws<FormatException>(() => ModelIdentifier.Parse(text));
            }
        }
    }
}
