using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

[Collection(nameof(TelemetryTests))]
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public class TelemetryTests
{
    [Fact]
    public async Task RunAndStream_EmitSpansAndMetrics()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ReplicateTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var measurements = new ConcurrentQueue<(string Name, double Value)>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ReplicateTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<double>((i, v, _, _) => measurements.Enqueue((i.Name, v)));
        meterListener.SetMeasurementEventCallback<long>((i, v, _, _) => measurements.Enqueue((i.Name, v)));
        meterListener.Start();

        await using var h = await EmulatorHarness.StartAsync();
        var output = await h.Client.RunAsync("meta/meta-llama-3-8b-instruct", new { prompt = "hi", max_tokens = 4 });
        var tokens = 0;
        await foreach (var e in h.Client.StreamAsync("meta/meta-llama-3-8b-instruct", new { prompt = "hi", max_tokens = 4 }))
        {
            tokens += e.Type == StreamEventType.Output ? 1 : 0;
        }

        var run = Assert.Single(activities, a => a.OperationName == "replicate.run");
        Assert.Equal("replicate", run.GetTagItem("gen_ai.system"));
        Assert.Equal("meta/meta-llama-3-8b-instruct", run.GetTagItem("gen_ai.request.model"));
        Assert.Equal(output.Prediction.Id, run.GetTagItem("replicate.prediction.id"));
        Assert.Equal("succeeded", run.GetTagItem("replicate.prediction.status"));
        var create = Assert.Single(activities, a => a.OperationName == "replicate.predictions.create" && a.ParentId == run.Id);
        Assert.Equal(output.Prediction.Id, create.GetTagItem("replicate.prediction.id"));
        Assert.Single(activities, a => a.OperationName == "replicate.stream");

        Assert.Contains(measurements, m => m.Name == "replicate.client.request.duration" && m.Value >= 0);
        Assert.Contains(measurements, m => m.Name == "replicate.stream.time_to_first_token" && m.Value >= 0);
        Assert.Equal(tokens, measurements.Where(m => m.Name == "replicate.stream.tokens").Sum(m => m.Value));
        Assert.Contains(measurements, m => m.Name == "replicate.prediction.duration");
    }

    [Fact]
    public async Task FailedRun_MarksTheSpanAsAnError()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ReplicateTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var h = await EmulatorHarness.StartAsync();

        await Assert.ThrowsAsync<PredictionFailedException>(() => h.Client.RunAsync("replicate/failing-model", new { }));

        var run = Assert.Single(activities, a => a.OperationName == "replicate.run");
        Assert.Equal(ActivityStatusCode.Error, run.Status);
        Assert.Equal("failed", run.GetTagItem("replicate.prediction.status"));
    }
}
