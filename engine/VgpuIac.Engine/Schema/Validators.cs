using System.Globalization;
using System.Text.RegularExpressions;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Schema;

/// <summary>The attribute validators every resource shares. Each says what is wrong and what is accepted.</summary>
public static class Validators
{
    /// <summary>Accepts only one of these exact strings (case-sensitive).</summary>
    public static IValueValidator OneOf(params string[] allowed) => new Rule(
        $"One of {string.Join(", ", allowed.Select(a => $"`{a}`"))}.",
        (v, p) => v.Kind == ValueKind.String && !allowed.Contains(v.AsString(), StringComparer.Ordinal)
            ? Invalid(p, $"\"{Shorten(v.AsString())}\" is not allowed here. Use one of: {string.Join(", ", allowed)}.")
            : null);

    /// <summary>Accepts only whole numbers from <paramref name="min"/> to <paramref name="max"/>, both included.</summary>
    public static IValueValidator IntRange(long min, long max) => new WholeNumberRule(
        $"A whole number from {min} to {max}.",
        (v, p) => v.Kind == ValueKind.Number && (v.AsNumber() != decimal.Truncate(v.AsNumber()) || v.AsNumber() < min || v.AsNumber() > max)
            ? Invalid(p, $"{v.AsNumber().ToString(CultureInfo.InvariantCulture)} is not a whole number from {min} to {max}.")
            : null);

    /// <summary>True for validators that reject every number with a fraction (<see cref="IntRange"/>).</summary>
    public static bool AcceptsOnlyWholeNumbers(IValueValidator validator) => validator is WholeNumberRule;

    /// <summary>Accepts only numbers from <paramref name="min"/> to <paramref name="max"/>, both included.</summary>
    public static IValueValidator NumberRange(decimal min, decimal max) => new Rule(
        $"A number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.",
        (v, p) => v.Kind == ValueKind.Number && (v.AsNumber() < min || v.AsNumber() > max)
            ? Invalid(p, $"{v.AsNumber().ToString(CultureInfo.InvariantCulture)} is outside {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}.")
            : null);

    /// <summary>The whole string must match <paramref name="pattern"/>; <paramref name="what"/> names what is expected.</summary>
    public static IValueValidator Pattern(string pattern, string what)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
        return new Rule(
            $"Must be {what}.",
            (v, p) => v.Kind == ValueKind.String && !regex.IsMatch(v.AsString())
                ? Invalid(p, $"\"{Shorten(v.AsString())}\" is not {what}.")
                : null);
    }

    /// <summary>A lowercase or uppercase hex SHA-256 (64 digits).</summary>
    public static IValueValidator Sha256Hex() => Pattern("^[0-9a-fA-F]{64}$", "a SHA-256 in hex (64 hex digits, as `sha256sum` prints)");

    /// <summary>A duration such as <c>30s</c>, <c>10m</c>, <c>1h30m</c>.</summary>
    public static IValueValidator Duration() => new Rule(
        "A duration such as `30s`, `10m` or `1h30m`.",
        (v, p) => v.Kind == ValueKind.String && DurationText.TryParse(v.AsString(), out _) is false
            ? Invalid(p, $"\"{Shorten(v.AsString())}\" is not a duration. Write it like 30s, 10m or 1h30m.")
            : null);

    /// <summary>A container image pinned by a tag other than <c>latest</c>, or by digest.</summary>
    public static IValueValidator PinnedImage() => new Rule(
        "A container image pinned by tag (not `latest`) or by digest (`name@sha256:...`).",
        (v, p) =>
        {
            if (v.Kind != ValueKind.String)
            {
                return null;
            }

            var image = v.AsString();
            if (!Regex.IsMatch(image, @"^[a-z0-9][a-z0-9._/:-]*(@sha256:[0-9a-f]{64})?$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200)))
            {
                return Invalid(p, $"\"{Shorten(image)}\" is not an image reference.");
            }

            if (image.Contains("@sha256:", StringComparison.Ordinal))
            {
                return null;
            }

            var lastSegment = image[(image.LastIndexOf('/') + 1)..];
            var colon = lastSegment.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 || lastSegment[(colon + 1)..] == "latest"
                ? Invalid(p, $"\"{image}\" is not pinned. Name a version tag (e.g. {DefaultTagExample(image)}) or a digest, so that every apply runs the same server.")
                : null;
        });

    private static string DefaultTagExample(string image) => (image.Contains(':', StringComparison.Ordinal) ? image[..image.LastIndexOf(':')] : image) + ":2.0.2";

    private static Diagnostic Invalid(AttributePath path, string detail) =>
        Diagnostic.Error("Invalid attribute value", detail, path);

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";

    private sealed class WholeNumberRule(string description, Func<Value, AttributePath, Diagnostic?> check) : Rule(description, check);

    private class Rule(string description, Func<Value, AttributePath, Diagnostic?> check) : IValueValidator
    {
        public string Description { get; } = description;

        public IEnumerable<Diagnostic> Validate(Value value, AttributePath path)
        {
            if (value.IsNull || value.IsUnknown)
            {
                yield break;
            }

            if (check(value, path) is { } d)
            {
                yield return d;
            }
        }
    }
}
