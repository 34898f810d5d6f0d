namespace Replicate.Cli.Tests;

/// <summary>The pure pieces, in-process: output file names and value coercion.</summary>
public class InternalsTests
{
    [Theory]
    [InlineData("https://replicate.delivery/abc/out-0.png", "out-0.png")]
    [InlineData("https://host/a/..%2F..%2Fx", "x")]
    [InlineData("https://host/a/..%5C..%5Cx.txt", "x.txt")]
    [InlineData("https://host/a/%2E%2E", "output-3")]
    [InlineData("https://host/", "output-3")]
    [InlineData("https://host/a/con%00trol%0A.txt", "control.txt")]
    [InlineData("https://host/a/we%3Aird%3Fname%2A.png", "weirdname.png")]
    [InlineData("data:image/png;base64,iVBORw0KGgo=", "output-3.png")]
    public void OutputFileNames_AreOneSafeSegment(string url, string expected)
    {
        Assert.Equal(expected, OutputFiles.SafeName(new Uri(url), 3));
    }

    [Fact]
    public void ALongName_IsCutKeepingItsExtension()
    {
        var name = OutputFiles.SafeName(new Uri("https://host/" + new string('a', 300) + ".webp"), 0);
        Assert.Equal(120, name.Length);
        Assert.EndsWith(".webp", name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("..", "fallback")]
    [InlineData(" . ", "fallback")]
    [InlineData("dir\\file.bin", "file.bin")]
    public void FileNames_FromAnySource_AreOneSafeSegment(string name, string expected)
    {
        Assert.Equal(expected, OutputFiles.SafeFileName(name, "fallback"));
    }

    [Fact]
    public void AtAt_SendsTextStartingWithAt()
    {
        Assert.Equal("@handle", InputBuilder.Coerce("who", "@@handle", new InputType("string", null))!.ToString());
    }
}
