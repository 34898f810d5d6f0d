namespace Replicate.Extensions.AI;

/// <summary>
/// One timed piece of a transcription, as Whisper-style models return them in <c>segments</c>. A
/// <see cref="ReplicateSpeechToTextClient"/> response lists them in its <c>AdditionalProperties</c> under
/// <see cref="ReplicateSpeechToTextClient.SegmentsPropertyName"/>, and its streaming updates carry one each.
/// </summary>
/// <param name="Start">Where the segment starts in the audio.</param>
/// <param name="End">Where it ends.</param>
/// <param name="Text">Its text, as the model wrote it (Whisper starts each with a space).</param>
public sealed record ReplicateTranscriptionSegment(TimeSpan Start, TimeSpan End, string Text);
