using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Replicate.Testing.Internal;

internal enum PredictionStatus
{
    Starting,
    Processing,
    Succeeded,
    Failed,
    Canceled,
    Aborted,
}

/// <summary>
/// One prediction: immutable request facts plus the mutable lifecycle, all mutable parts guarded by
/// <see cref="Gate"/>. Every change completes the current <see cref="Changed"/> task and installs a new one, so
/// <c>Prefer: wait</c> waiters and stream writers wake up on changes instead of polling.
/// </summary>
internal sealed class PredictionState : IDisposable
{
    private readonly object _gate = new();
    private readonly List<PredictionEvent> _events = [];
    private readonly List<byte[]> _pieces = [];
    private readonly StringBuilder _logs = new();
    private readonly CancellationTokenSource _cancellation = new();
    private readonly TimeProvider _time;
    private readonly string _cancelUrl;
    private readonly string _webUrl;
    private readonly string? _streamUrl;
    private TaskCompletionSource _changed = NewSignal();
    private ITimer? _deadlineTimer;
    private byte[]? _output;
    private List<KeyValuePair<string, double>>? _metrics;
    private string? _error;
    private int _nextSequence;

    public PredictionState(
        RegisteredModel model,
        string version,
        JsonElement input,
        long ordinal,
        DateTimeOffset createdAt,
        DateTimeOffset? deadline,
        string? deployment,
        string? webhook,
        JsonElement? webhookEventsFilter,
        TimeProvider time,
        string origin,
        string? trainingDestination = null)
    {
        Id = WireFormat.NewId();
        TrainingDestination = trainingDestination;
        GetUrl = origin + (IsTraining ? "/v1/trainings/" : "/v1/predictions/") + Id;
        _cancelUrl = GetUrl + "/cancel";
        _webUrl = "https://replicate.com/p/" + Id;
        _streamUrl = model.SupportsStreaming && !IsTraining ? origin + "/v1/streams/" + Id : null;
        Model = model;
        Version = version;
        Input = input;
        Ordinal = ordinal;
        CreatedAt = createdAt;
        Deadline = deadline;
        Deployment = deployment;
        Webhook = webhook;
        WebhookEventsFilter = webhookEventsFilter;
        _time = time;

        // Captured once: a handler that outlives the emulator can still read its (canceled) token after the
        // source is disposed.
        Token = _cancellation.Token;
    }

    public object Gate => _gate;

    /// <summary>The model a training pushes its new version to; null for predictions.</summary>
    public string? TrainingDestination { get; }

    /// <summary>Whether this is a training (<c>/v1/trainings</c>): same lifecycle, the training object's shape.</summary>
    public bool IsTraining => TrainingDestination is not null;

    public string Id { get; }

    /// <summary>The absolute <c>urls.get</c> (also the <c>Location</c> of a create).</summary>
    public string GetUrl { get; }

    public RegisteredModel Model { get; }

    public string Version { get; }

    public JsonElement Input { get; }

    /// <summary>Creation order; the keyset of list cursors (timestamps can tie under a manual clock).</summary>
    public long Ordinal { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset? Deadline { get; }

    public string? Deployment { get; }

    public string? Webhook { get; }

    public JsonElement? WebhookEventsFilter { get; }

    /// <summary>Canceled when the prediction is canceled, passes its deadline or the emulator shuts down.</summary>
    public CancellationToken Token { get; }

    public PredictionStatus Status { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? CompletedAt { get; private set; }

    /// <summary>Must be read under <see cref="Gate"/>.</summary>
    public bool IsTerminal => Status >= PredictionStatus.Succeeded;

    /// <summary>Whether the prediction has ended, read under its lock (for callers that do not hold it).</summary>
    public bool IsTerminalNow
    {
        get
        {
            lock (_gate)
            {
                return IsTerminal;
            }
        }
    }

    /// <summary>Completes at the next change. Read under <see cref="Gate"/> together with the state it guards.</summary>
    public Task Changed => _changed.Task;

    public void SetDeadlineTimer(ITimer timer)
    {
        lock (_gate)
        {
            if (IsTerminal)
            {
                timer.Dispose();
                return;
            }

            _deadlineTimer = timer;
        }
    }

    public bool TryStartProcessing()
    {
        lock (_gate)
        {
            if (Status != PredictionStatus.Starting)
            {
                return false;
            }

            Status = PredictionStatus.Processing;
            StartedAt = _time.GetUtcNow();
            Signal();
            return true;
        }
    }

    public void AppendLog(string line)
    {
        lock (_gate)
        {
            if (IsTerminal)
            {
                return;
            }

            _logs.Append(line).Append('\n');
            AddEvent("logs", line, withId: true);
            Signal();
        }
    }

    public void AppendOutput(byte[] pieceJson, string eventData)
    {
        lock (_gate)
        {
            if (IsTerminal)
            {
                return;
            }

            _pieces.Add(pieceJson);
            AddEvent("output", eventData, withId: true);
            Signal();
        }
    }

    /// <summary>Waits until the prediction ends or <paramref name="until"/> completes; returns whether it ended.</summary>
    public async Task<bool> WaitForTerminalAsync(Task until)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (IsTerminal)
                {
                    return true;
                }

                changed = _changed.Task;
            }

            if (await Task.WhenAny(changed, until).ConfigureAwait(false) == until)
            {
                return false;
            }
        }
    }

    /// <summary>Sets a metric reported in <c>metrics</c> next to the timings (e.g. <c>output_token_count</c>).</summary>
    public void SetMetric(string name, double value)
    {
        lock (_gate)
        {
            if (IsTerminal)
            {
                return;
            }

            _metrics ??= [];
            _metrics.RemoveAll(m => m.Key == name);
            _metrics.Add(new(name, value));
            Signal();
        }
    }

    /// <summary>Ends the prediction <c>succeeded</c>. A null output after streamed pieces means "the pieces".</summary>
    public bool TrySucceed(byte[]? output)
    {
        lock (_gate)
        {
            if (IsTerminal)
            {
                return false;
            }

            _output = output;
            Finish(PredictionStatus.Succeeded);

            // A model that returns its output in one go still streams it, one event per array item, the way
            // Replicate's file streams send each output URL.
            if (_pieces.Count == 0 && output is not null)
            {
                using var document = JsonDocument.Parse(output);
                if (document.RootElement.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in document.RootElement.EnumerateArray())
                    {
                        AddEvent("output", EventData(item), withId: true);
                    }
                }
                else if (document.RootElement.ValueKind != JsonValueKind.Null)
                {
                    AddEvent("output", EventData(document.RootElement), withId: true);
                }
            }

            AddEvent("done", "{}", withId: false);
            Signal();
            return true;
        }
    }

    public bool TryFail(string error)
    {
        lock (_gate)
        {
            if (IsTerminal)
            {
                return false;
            }

            _error = error;
            Finish(PredictionStatus.Failed);
            AddEvent("error", DetailJson(error), withId: true);
            AddEvent("done", """{"reason":"error"}""", withId: false);
            Signal();
            return true;
        }
    }

    /// <summary>
    /// Cancels the prediction: <c>aborted</c> if a deadline passes before it started, otherwise <c>canceled</c>.
    /// Returns false (and changes nothing) when it had already ended, which makes cancel idempotent.
    /// </summary>
    public bool TryCancel(bool byDeadline)
    {
        lock (_gate)
        {
            if (IsTerminal)
            {
                return false;
            }

            Finish(byDeadline && Status == PredictionStatus.Starting ? PredictionStatus.Aborted : PredictionStatus.Canceled);
            AddEvent("done", """{"reason":"canceled"}""", withId: false);
            Signal();
        }

        // Outside the lock: cancellation callbacks run inline and may call back into this prediction.
        _cancellation.Cancel();
        return true;
    }

    /// <summary>Copies the events from <paramref name="from"/> on and returns the signal for the next change.</summary>
    public Task ReadEvents(int from, List<PredictionEvent> into)
    {
        lock (_gate)
        {
            for (var i = from; i < _events.Count; i++)
            {
                into.Add(_events[i]);
            }

            return _changed.Task;
        }
    }

    /// <summary>
    /// Writes the prediction object (the spec's <c>schemas_prediction_response</c>) and returns whether the
    /// written state was terminal, so a status code can agree with the body it goes with.
    /// </summary>
    public bool WriteJson(Utf8JsonWriter writer)
    {
        lock (_gate)
        {
            writer.WriteStartObject();
            writer.WriteString("id", Id);
            writer.WriteString("model", Model.FullName);
            writer.WriteString("version", Version);
            writer.WritePropertyName("input");
            Input.WriteTo(writer);
            writer.WriteString("logs", _logs.ToString());
            if (!IsTraining)
            {
                writer.WritePropertyName("output");
                WriteOutput(writer);
                writer.WriteBoolean("data_removed", false);
            }
            else if (_output is not null)
            {
                // A training's output is an object ({version, weights}) once it succeeded, and absent before.
                writer.WritePropertyName("output");
                WriteOutput(writer);
            }

            if (_error is null)
            {
                writer.WriteNull("error");
            }
            else
            {
                writer.WriteString("error", _error);
            }

            writer.WriteString("status", StatusText(Status));
            WireFormat.WriteTimestamp(writer, "created_at", CreatedAt);

            // started_at/completed_at/deadline are optional, non-nullable strings in the spec: absent until set.
            if (StartedAt is { } started)
            {
                WireFormat.WriteTimestamp(writer, "started_at", started);
            }

            if (CompletedAt is { } completed)
            {
                WireFormat.WriteTimestamp(writer, "completed_at", completed);
            }

            if (Deadline is { } deadline)
            {
                WireFormat.WriteTimestamp(writer, "deadline", deadline);
            }

            writer.WriteString("source", "api");
            if (Deployment is not null)
            {
                writer.WriteString("deployment", Deployment);
            }

            if (Webhook is not null)
            {
                writer.WriteString("webhook", Webhook);
            }

            if (WebhookEventsFilter is { } filter)
            {
                writer.WritePropertyName("webhook_events_filter");
                filter.WriteTo(writer);
            }

            writer.WriteStartObject("metrics");
            if (CompletedAt is { } end)
            {
                if (StartedAt is { } start)
                {
                    writer.WriteNumber("predict_time", Math.Round((end - start).TotalSeconds, 6));
                }

                writer.WriteNumber("total_time", Math.Round((end - CreatedAt).TotalSeconds, 6));
            }

            foreach (var (name, value) in _metrics ?? [])
            {
                writer.WriteNumber(name, value);
            }

            writer.WriteEndObject();

            writer.WriteStartObject("urls");
            writer.WriteString("get", GetUrl);
            writer.WriteString("cancel", _cancelUrl);
            writer.WriteString("web", _webUrl);
            if (_streamUrl is not null)
            {
                writer.WriteString("stream", _streamUrl);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            return IsTerminal;
        }
    }

    /// <summary>What webhook deliveries look at, read together, with the signal for the next change.</summary>
    public WebhookObservation Observe()
    {
        lock (_gate)
        {
            var outputs = _pieces.Count + (_output is null ? 0 : 1);
            return new WebhookObservation(StartedAt is not null, IsTerminal, outputs, _logs.Length, _changed.Task);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _deadlineTimer?.Dispose();
            _deadlineTimer = null;
        }

        _cancellation.Dispose();
    }

    public static string StatusText(PredictionStatus status) => status switch
    {
        PredictionStatus.Starting => "starting",
        PredictionStatus.Processing => "processing",
        PredictionStatus.Succeeded => "succeeded",
        PredictionStatus.Failed => "failed",
        PredictionStatus.Canceled => "canceled",
        _ => "aborted",
    };

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Text pieces (and file URLs) go on the wire as they are; anything else as JSON.</summary>
    private static string EventData(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static string DetailJson(string detail)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WireFormat.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("detail", detail);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private void WriteOutput(Utf8JsonWriter writer)
    {
        if (_output is not null)
        {
            writer.WriteRawValue(_output, skipInputValidation: true);
        }
        else if (_pieces.Count > 0)
        {
            // Iterator models: the output is the array of pieces so far, so polling clients see it grow.
            writer.WriteStartArray();
            foreach (var piece in _pieces)
            {
                writer.WriteRawValue(piece, skipInputValidation: true);
            }

            writer.WriteEndArray();
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private void Finish(PredictionStatus status)
    {
        Status = status;
        CompletedAt = _time.GetUtcNow();
        _deadlineTimer?.Dispose();
        _deadlineTimer = null;
    }

    private void AddEvent(string type, string data, bool withId)
    {
        var sequence = _nextSequence++;
        string? id = null;
        if (withId)
        {
            id = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + ":"
                + sequence.ToString(CultureInfo.InvariantCulture);
        }

        _events.Add(PredictionEvent.Create(type, sequence, id, data));
    }

    private void Signal()
    {
        // Continuations run asynchronously, so completing the old signal inside the lock is safe.
        var previous = _changed;
        _changed = NewSignal();
        previous.SetResult();
    }
}

/// <summary>A prediction's progress as webhook deliveries see it: started, ended, how much output and log text.</summary>
internal readonly record struct WebhookObservation(bool Started, bool Terminal, int Outputs, int LogLength, Task Changed);
