using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Replicate;

/// <summary>
/// The SDK's OpenTelemetry-compatible instrumentation: an <see cref="ActivitySource"/> and a <see cref="Meter"/>, both
/// named <c>Replicate</c>. Subscribe with <c>AddSource("Replicate")</c> / <c>AddMeter("Replicate")</c>.
/// </summary>
public static class ReplicateTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Replicate";

    internal static readonly ActivitySource Source = new(Name, typeof(ReplicateTelemetry).Assembly.GetName().Version?.ToString());
    internal static readonly Meter Meter = new(Name, typeof(ReplicateTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>(
        "replicate.client.request.duration", "s", "Duration of HTTP requests to the Replicate API, per attempt.");

    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "replicate.client.retries", "{retry}", "Requests retried after a transient failure.");

    internal static readonly Histogram<double> PredictionDuration = Meter.CreateHistogram<double>(
        "replicate.prediction.duration", "s", "Time from creating a prediction until it was seen terminal.");

    internal static readonly Histogram<double> TimeToFirstToken = Meter.CreateHistogram<double>(
        "replicate.stream.time_to_first_token", "s", "Time from creating a streamed prediction until its first output event.");

    internal static readonly Counter<long> TokensStreamed = Meter.CreateCounter<long>(
        "replicate.stream.tokens", "{token}", "Output events received over server-sent events.");

    internal static Activity? StartActivity(string operation, ModelIdentifier? model = null)
    {
        var activity = Source.StartActivity(operation, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("gen_ai.system", "replicate");
            activity.SetTag("gen_ai.operation.name", operation);
            if (model is { } m)
            {
                activity.SetTag("replicate.model", m.ToString());
                activity.SetTag("gen_ai.request.model", m.HasModel ? $"{m.Owner}/{m.Name}" : m.Version);
            }
        }

        return activity;
    }

    internal static void Record(Activity? activity, Prediction prediction)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("replicate.prediction.id", prediction.Id);
        activity.SetTag("replicate.prediction.status", prediction.Status.Value);
        if (prediction.Model is not null)
        {
            activity.SetTag("gen_ai.response.model", prediction.Model);
        }

        if (prediction.Metrics is { } metrics)
        {
            if (metrics.InputTokenCount is { } input)
            {
                activity.SetTag("gen_ai.usage.input_tokens", input);
            }

            if (metrics.OutputTokenCount is { } output)
            {
                activity.SetTag("gen_ai.usage.output_tokens", output);
            }
        }
    }

    internal static void Fail(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
        activity.SetTag("error.type", exception is ReplicateApiException api ? ((int)api.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : exception.GetType().FullName);
    }
}
