using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing;

/// <summary>Collects warnings and the truncation flag while a parser runs.</summary>
internal sealed class ParseNotes
{
    private readonly ImmutableArray<string>.Builder _warnings = ImmutableArray.CreateBuilder<string>();

    public bool Truncated { get; private set; }

    public void Warn(string message) => _warnings.Add(message);

    public void Truncate(string message)
    {
        Truncated = true;
        _warnings.Add(message);
    }

    public ParseResult<T> Result<T>(T value) => new(value, Truncated, _warnings.ToImmutable());
}
