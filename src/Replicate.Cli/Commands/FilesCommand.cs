using System.CommandLine;
using System.Globalization;

namespace Replicate.Cli.Commands;

/// <summary><c>replicate files upload|list|get|delete|download</c>: the Files API.</summary>
internal static class FilesCommand
{
    public static Command Create(Interrupt interrupt)
    {
        var command = new Command("files", "Upload, list, show, delete and download files (Files API)").WithExamples("""
            replicate files upload dataset.zip
            replicate files list
            replicate files download "https://api.replicate.com/v1/files/abc/download?owner=me&expiry=...&signature=..." -o dataset.zip
            """);

        var path = new Argument<string>("PATH") { Description = "The local file" };
        var upload = new Command("upload", "Upload a file; prints its id and URL") { path };
        CommandRunner.SetAction(upload, interrupt, async context =>
        {
            var file = context.Get(path)!;
            if (!File.Exists(file))
            {
                throw CliException.Usage($"No such file: {file}.");
            }

            var client = await context.GetClientAsync().ConfigureAwait(false);
            Write(context, await client.Files.UploadAsync(file, null, context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var limit = Lists.LimitOption();
        var list = new Command("list", "List your files, newest first") { limit };
        CommandRunner.SetAction(list, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var items = await Lists.TakeAsync(client.Files.EnumerateAsync(context.CancellationToken), context.Get(limit), context.CancellationToken).ConfigureAwait(false);
            Output.WriteList(context, items, ["id", "name", "type", "size", "created"], f => new[]
                {
                    f.Id, f.Name, f.ContentType, f.Size.ToString(CultureInfo.InvariantCulture), Output.Time(f.CreatedAt),
                });

            return ExitCodes.Success;
        });

        var getId = Id();
        var get = new Command("get", "Show a file") { getId };
        CommandRunner.SetAction(get, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            Write(context, await client.Files.GetAsync(context.Get(getId)!, context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var deleteId = Id();
        var delete = new Command("delete", "Delete a file") { deleteId };
        CommandRunner.SetAction(delete, interrupt, async context =>
        {
            var client = await context.GetClientAsync().ConfigureAwait(false);
            var id = context.Get(deleteId)!;
            await client.Files.DeleteAsync(id, context.CancellationToken).ConfigureAwait(false);
            Output.WriteDeleted(context, "id", id);
            return ExitCodes.Success;
        });

        var url = new Argument<string>("URL") { Description = "A signed download URL (/files/{id}/download?owner=...&expiry=...&signature=...)" };
        var output = new Option<string?>("--output", "-o") { Description = "Where to save it (default: the file id in the current folder)", HelpName = "file" };
        var download = new Command("download", "Download a file with a signed URL, streamed to disk") { url, output };
        CommandRunner.SetAction(download, interrupt, async context =>
        {
            if (!Uri.TryCreate(context.Get(url), UriKind.Absolute, out var uri) || !FileDownloadLink.TryParse(uri, out var link))
            {
                throw CliException.Usage($"'{context.Get(url)}' is not a signed download URL.", "It looks like https://api.replicate.com/v1/files/{id}/download?owner=...&expiry=...&signature=...");
            }

            var target = context.Get(output) ?? OutputFiles.SafeFileName(link.FileId, "download");
            var client = await context.GetClientAsync().ConfigureAwait(false);
            await client.Files.SaveAsync(link, target, context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                Output.WriteJson(context, new { id = link.FileId, path = target });
            }
            else
            {
                context.Out.WriteLine(target);
            }

            return ExitCodes.Success;
        });

        command.Add(upload);
        command.Add(list);
        command.Add(get);
        command.Add(delete);
        command.Add(download);
        return command;
    }

    private static Argument<string> Id() => new("ID") { Description = "The file id" };

    private static void Write(CliContext context, ReplicateFile file)
    {
        if (context.Json)
        {
            Output.WriteJson(context, file);
            return;
        }

        Output.WriteDetails(context,
        [
            ("id", file.Id),
            ("name", file.Name),
            ("type", file.ContentType),
            ("size", file.Size.ToString(CultureInfo.InvariantCulture)),
            ("sha256", file.Checksums?.Sha256),
            ("created", Output.Time(file.CreatedAt)),
            ("expires", Output.Time(file.ExpiresAt)),
            ("url", file.Urls?.Get?.ToString()),
        ]);
    }
}
