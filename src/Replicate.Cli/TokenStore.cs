using System.Text.Json;
using System.Text.Json.Nodes;

namespace Replicate.Cli;

/// <summary>
/// The token <c>replicate auth login</c> saves: <c>replicate/config.json</c> in the user's config folder
/// (<c>$XDG_CONFIG_HOME</c> or <c>~/.config</c> on Linux and macOS, <c>%APPDATA%</c> on Windows), created with mode
/// 0600 inside a 0700 folder on Unix, so no other user can read it at any moment.
/// </summary>
internal static class TokenStore
{
    public static string ConfigDirectory
    {
        get
        {
            var root = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(root))
            {
                throw new CliException(ExitCodes.ApiError, "Cannot find the user's config folder to store the token.", "Set HOME (or XDG_CONFIG_HOME), or use REPLICATE_API_TOKEN instead.");
            }

            return Path.Combine(root, "replicate");
        }
    }

    public static string ConfigFile => Path.Combine(ConfigDirectory, "config.json");

    /// <summary>The saved token, or null when there is none (or the file is unreadable: the user is told to log in again).</summary>
    public static string? Read()
    {
        try
        {
            if (!File.Exists(ConfigFile))
            {
                return null;
            }

            var token = JsonNode.Parse(File.ReadAllText(ConfigFile))?["api_token"]?.GetValue<string>();
            return string.IsNullOrWhiteSpace(token) ? null : token;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    public static void Write(string token)
    {
        var directory = ConfigDirectory;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // A new file beside the target, created 0600 from the start, then moved into place: never a moment where the
        // token sits in a file others can read, and never a half-written config.
        var temporary = Path.Combine(directory, ".config-" + Guid.NewGuid().ToString("N") + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteString("api_token", token);
                writer.WriteEndObject();
            }

            File.Move(temporary, ConfigFile, overwrite: true);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(ConfigFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Removes the saved token; false when there was none.</summary>
    public static bool Delete()
    {
        if (!File.Exists(ConfigFile))
        {
            return false;
        }

        File.Delete(ConfigFile);
        return true;
    }
}
