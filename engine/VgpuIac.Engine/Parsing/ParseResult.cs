using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing;

/// <summary>
/// What a parser could read from a tool's output. Parsers never throw on real output: when the text is cut short
/// <see cref="Truncated"/> is true and <see cref="Value"/> holds everything read up to the cut; <see cref="Warnings"/>
/// says what was missing, skipped or not understood.
/// </summary>
public sealed record ParseResult<T>(T Value, bool Truncated, ImmutableArray<string> Warnings)
{
    /// <summary>True when the whole text was read and nothing was skipped.</summary>
    public bool IsComplete => !Truncated && Warnings.IsDefaultOrEmpty;

    /// <summary>A result read whole, without warnings.</summary>
    public static ParseResult<T> Complete(T value) => new(value, false, ImmutableArray<string>.Empty);

    /// <summary>Maps the value, keeping truncation and warnings.</summary>
    public ParseResult<TOther> Select<TOther>(Func<T, TOther> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return new ParseResult<TOther>(map(Value), Truncated, Warnings);
    }
}
