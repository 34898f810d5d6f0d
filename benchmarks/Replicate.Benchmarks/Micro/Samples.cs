using System.Globalization;
using System.Text;

namespace Replicate.Benchmarks.Micro;

/// <summary>Wire payloads shaped like Replicate's (and the emulator's) responses.</summary>
public static class Samples
{
    /// <summary>A local address that is never contacted: micro benchmarks answer from memory.</summary>
    public static readonly Uri BaseAddress = new("http://127.0.0.1:9/v1/");

    public const string Token = "r8_benchmark";

    public const string VersionId = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";

    /// <summary>A finished language-model prediction: token-array output, logs, metrics, every URL.</summary>
    public static readonly byte[] PredictionJson = Encoding.UTF8.GetBytes(
        """
        {"id":"ufawqhfynnddngldkgtslldrkq","model":"meta/meta-llama-3-8b-instruct","version":"hidden",
         "input":{"prompt":"Write a haiku about llamas","max_tokens":512,"temperature":0.7,"top_p":0.95},
         "logs":"Random seed set to: 1234\nLoading model...\n100%|██████████| 32/32 [00:01<00:00, 21.3it/s]\n",
         "output":["Soft"," wool"," in"," the"," breeze",",\n","Llamas"," graze"," on"," mountain"," grass",",\n","Peace"," in"," every"," step","."],
         "data_removed":false,"error":null,"status":"succeeded",
         "created_at":"2025-01-15T10:21:04.531Z","started_at":"2025-01-15T10:21:04.602Z","completed_at":"2025-01-15T10:21:05.712Z",
         "source":"api",
         "metrics":{"predict_time":1.110174,"total_time":1.181,"input_token_count":12,"output_token_count":17,"time_to_first_token":0.0421,"tokens_per_second":15.31},
         "urls":{"get":"http://127.0.0.1:9/v1/predictions/ufawqhfynnddngldkgtslldrkq",
                 "cancel":"http://127.0.0.1:9/v1/predictions/ufawqhfynnddngldkgtslldrkq/cancel",
                 "stream":"http://127.0.0.1:9/v1/streams/ufawqhfynnddngldkgtslldrkq",
                 "web":"https://replicate.com/p/ufawqhfynnddngldkgtslldrkq"}}
        """);

    /// <summary>A just-created prediction: what a create answers without a sync wait.</summary>
    public static readonly byte[] StartingJson = Encoding.UTF8.GetBytes(
        """
        {"id":"ufawqhfynnddngldkgtslldrkq","model":"acme/model","version":"hidden","input":{},"logs":"","output":null,
         "data_removed":false,"error":null,"status":"starting","created_at":"2025-01-15T10:21:04.531Z","source":"api","metrics":{},
         "urls":{"get":"http://127.0.0.1:9/v1/predictions/ufawqhfynnddngldkgtslldrkq","cancel":"http://127.0.0.1:9/v1/predictions/ufawqhfynnddngldkgtslldrkq/cancel",
                 "web":"https://replicate.com/p/ufawqhfynnddngldkgtslldrkq"}}
        """);

    /// <summary>A page of 100 finished predictions as <c>GET /v1/predictions</c> returns them (the emulator's shape).</summary>
    public static readonly byte[] PageJson = Encoding.UTF8.GetBytes(
        "{\"next\":null,\"previous\":null,\"results\":[" + string.Join(",", Enumerable.Range(0, 100).Select(i =>
        {
            var id = "r8m0ge0fcpbc50px0v11nu" + i.ToString("D4", CultureInfo.InvariantCulture);
            return "{\"id\":\"" + id + "\",\"model\":\"bench/instant\",\"version\":\"hidden\"," +
                "\"input\":{\"prompt\":\"a photo of an astronaut riding a horse\",\"seed\":42},\"logs\":\"\",\"output\":\"ok\"," +
                "\"data_removed\":false,\"error\":null,\"status\":\"succeeded\",\"created_at\":\"2026-11-22T07:32:13.493257Z\"," +
                "\"started_at\":\"2026-11-22T07:32:13.493267Z\",\"completed_at\":\"2026-11-22T07:32:13.493269Z\",\"source\":\"api\"," +
                "\"metrics\":{\"predict_time\":2E-06,\"total_time\":1.2E-05},\"urls\":{\"get\":\"http://127.0.0.1:9/v1/predictions/" + id + "\"," +
                "\"cancel\":\"http://127.0.0.1:9/v1/predictions/" + id + "/cancel\",\"web\":\"https://replicate.com/p/" + id + "\"," +
                "\"stream\":\"http://127.0.0.1:9/v1/streams/" + id + "\"}}";
        })) + "]}");

    /// <summary>A stream of <paramref name="events"/> 8-byte output tokens in Replicate's SSE format, ending with <c>done</c>.</summary>
    public static byte[] EventStream(int events)
    {
        var text = new StringBuilder(": hi\n\n", events * 48);
        for (var i = 0; i < events; i++)
        {
            text.Append("event: output\nid: 1736936464:").Append(i.ToString(CultureInfo.InvariantCulture))
                .Append("\ndata: tok").Append((i % 1000).ToString("D4", CultureInfo.InvariantCulture)).Append(" \n\n");
        }

        text.Append("event: done\ndata: {}\n\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
