using System.Diagnostics.CodeAnalysis;
using System.Drawing;
using System.Globalization;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// Turns an <see cref="ImageGenerationRequest"/> and its <see cref="ImageGenerationOptions"/> into a Replicate model
/// input. The defaults fit FLUX-style models: <c>prompt</c>, <c>num_outputs</c>, <c>aspect_ratio</c> (the closest of
/// <see cref="AspectRatios"/> to <see cref="ImageGenerationOptions.ImageSize"/>), <c>output_format</c> from
/// <see cref="ImageGenerationOptions.MediaType"/>, and <c>image</c> for a single original image (as a URL or a
/// <c>data:</c> URI). Set the names with the <c>init</c> properties, or derive and override
/// <see cref="MapSize"/> (for models that take <c>width</c> and <c>height</c>) or <see cref="Map"/>.
/// </summary>
/// <remarks>
/// Every entry of <see cref="ImageGenerationOptions.AdditionalProperties"/> is copied into the input as it is (this is
/// how to send a <c>seed</c>, which the options have no property for), replacing a mapped value of the same name; a
/// <see langword="null"/> value removes that input.
/// </remarks>
[Experimental("MEAI001")]
public class ReplicateImageInputMapper
{
    /// <summary>Gets the input that receives the prompt (<c>prompt</c>).</summary>
    public string PromptInputName { get; init; } = "prompt";

    /// <summary>Gets the input that receives <see cref="ImageGenerationOptions.Count"/> (<c>num_outputs</c>); <see langword="null"/> leaves it out.</summary>
    public string? CountInputName { get; init; } = "num_outputs";

    /// <summary>Gets the input that receives the aspect ratio (<c>aspect_ratio</c>); <see langword="null"/> leaves it out.</summary>
    public string? AspectRatioInputName { get; init; } = "aspect_ratio";

    /// <summary>Gets the aspect ratios the model accepts, as <c>"W:H"</c>; the default is FLUX's list.</summary>
    public IReadOnlyList<string> AspectRatios { get; init; } = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"];

    /// <summary>Gets the input that receives the file format (<c>output_format</c>: <c>png</c>, <c>jpg</c>, <c>webp</c>); <see langword="null"/> leaves it out.</summary>
    public string? OutputFormatInputName { get; init; } = "output_format";

    /// <summary>Gets the input that receives a single original image (<c>image</c>), for image-to-image and upscaling models.</summary>
    public string ImageInputName { get; init; } = "image";

    /// <summary>Builds the model input.</summary>
    /// <param name="request">The prompt and original images.</param>
    /// <param name="options">The options, if any.</param>
    /// <returns>The input.</returns>
    /// <exception cref="ArgumentException">The request has more than one original image, or an image this mapper cannot send.</exception>
    public virtual IDictionary<string, object?> Map(ImageGenerationRequest request, ImageGenerationOptions? options)
    {
        ArgumentNullException.ThrowIfNull(request);
        var input = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (request.Prompt is { } prompt)
        {
            input[PromptInputName] = prompt;
        }

        if (request.OriginalImages?.ToList() is { Count: > 0 } images)
        {
            input[ImageInputName] = images is [var image]
                ? ImageValue(image)
                : throw new ArgumentException(
                    $"The request has {images.Count} original images; this mapper sends one as '{ImageInputName}'. Pass several through AdditionalProperties under the name the model expects.",
                    nameof(request));
        }

        if (options is null)
        {
            return input;
        }

        if (CountInputName is { } countName && options.Count is { } count)
        {
            input[countName] = count;
        }

        if (options.ImageSize is { } size)
        {
            MapSize(size, input);
        }

        if (OutputFormatInputName is { } formatName && options.MediaType is { } mediaType)
        {
            input[formatName] = mediaType.ToUpperInvariant() switch
            {
                "IMAGE/PNG" => "png",
                "IMAGE/JPEG" or "IMAGE/JPG" => "jpg",
                "IMAGE/WEBP" => "webp",
                _ => throw new ArgumentException($"The media type '{mediaType}' has no Replicate output_format; use image/png, image/jpeg or image/webp.", nameof(options)),
            };
        }

        AdapterHelpers.ApplyAdditionalProperties(input, options.AdditionalProperties);

        return input;
    }

    /// <summary>Writes the requested size: by default the closest of <see cref="AspectRatios"/> as <see cref="AspectRatioInputName"/>.
    /// Override for models that take <c>width</c> and <c>height</c>.</summary>
    /// <param name="size">The requested size in pixels.</param>
    /// <param name="input">The input being built.</param>
    protected virtual void MapSize(Size size, IDictionary<string, object?> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (AspectRatioInputName is { } name && size.Width > 0 && size.Height > 0)
        {
            input[name] = ClosestAspectRatio(size);
        }
    }

    /// <summary>Returns the entry of <see cref="AspectRatios"/> closest to the shape of <paramref name="size"/> (compared on a log scale, so 2:1 and 1:2 are equally far from 1:1).</summary>
    /// <param name="size">A size with positive width and height.</param>
    /// <returns>The aspect ratio, e.g. <c>16:9</c>.</returns>
    protected string ClosestAspectRatio(Size size)
    {
        var wanted = Math.Log((double)size.Width / size.Height);
        string? best = null;
        var bestDistance = double.MaxValue;
        foreach (var ratio in AspectRatios)
        {
            var parts = ratio.Split(':');
            if (parts.Length == 2
                && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var w) && w > 0
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var h) && h > 0
                && Math.Abs(Math.Log(w / h) - wanted) is var distance && distance < bestDistance)
            {
                (best, bestDistance) = (ratio, distance);
            }
        }

        return best ?? throw new InvalidOperationException("AspectRatios holds no valid \"W:H\" entry.");
    }

    private static string ImageValue(AIContent image) => image switch
    {
        // A data: URI carries the bytes inline; Replicate accepts it for file inputs.
        DataContent data => data.Uri,
        UriContent uri => uri.Uri.AbsoluteUri,
        _ => throw new ArgumentException($"An original image must be a DataContent or UriContent, not {image.GetType().Name}.", nameof(image)),
    };
}
