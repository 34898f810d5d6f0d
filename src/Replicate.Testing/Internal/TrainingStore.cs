using System.Security.Cryptography;
using System.Text.Json;

namespace Replicate.Testing.Internal;

/// <summary>
/// Trainings: the prediction lifecycle (<see cref="PredictionState"/> in its training shape) running a model's
/// <see cref="EmulatorModelOptions.Trainer"/>; on success the destination model gets a new version.
/// </summary>
internal sealed class TrainingStore
{
    private readonly EmulatorCore _core;
    private readonly object _gate = new();
    private readonly List<PredictionState> _trainings = [];
    private readonly Dictionary<string, PredictionState> _byId = new(StringComparer.Ordinal);

    public TrainingStore(EmulatorCore core) => _core = core;

    /// <summary>Creates a training of <paramref name="model"/>'s version and starts it in the background (status <c>starting</c>).</summary>
    public PredictionState Create(RegisteredModel model, RegisteredModel destination, JsonElement input, string? webhook, JsonElement? webhookEventsFilter)
    {
        PredictionState state;
        lock (_gate)
        {
            state = new PredictionState(
                model, model.VersionId, input, _trainings.Count, _core.Time.GetUtcNow(), null, null, webhook, webhookEventsFilter,
                _core.Time, _core.Origin, trainingDestination: destination.FullName);
            _trainings.Add(state);
            _byId[state.Id] = state;
        }

        _ = Task.Run(() => _core.RunAsync(state, context => TrainAsync(state, context)));
        _core.Webhooks.Track(state);
        return state;
    }

    public PredictionState? Find(string id)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    /// <summary>Every training, newest first (as <c>GET /trainings</c> lists them).</summary>
    public PredictionState[] NewestFirst()
    {
        lock (_gate)
        {
            var snapshot = _trainings.ToArray();
            Array.Reverse(snapshot);
            return snapshot;
        }
    }

    /// <summary>Cancels running trainings when the emulator stops.</summary>
    public void CancelAll()
    {
        foreach (var state in NewestFirst())
        {
            state.TryCancel(byDeadline: false);
            state.Dispose();
        }
    }

    private async Task<byte[]?> TrainAsync(PredictionState state, PredictionContext context)
    {
        var model = state.Model;
        var result = await model.Trainer!(state.Input, context).ConfigureAwait(false);
        var weights = result switch
        {
            null => _core.Files.Add("weights.tar", "application/x-tar", static () => new MemoryStream(RandomNumberGenerator.GetBytes(1024), writable: false)),
            string url => url,
            _ => JsonSerializer.Serialize(result, WireFormat.SerializerOptions),
        };

        // A training canceled while its trainer finished publishes nothing.
        state.Token.ThrowIfCancellationRequested();
        var version = _core.PublishTrainedVersion(model, state.TrainingDestination!);
        return OutputJson.Serialize(new Dictionary<string, string>
        {
            ["version"] = version.FullName + ":" + version.VersionId,
            ["weights"] = weights,
        });
    }
}
