namespace VgpuIac.Engine.ProfileOverride;

/// <summary>Why a TOML file could not be read: 1-based line and column, and the parser's message.</summary>
internal sealed record TomlSyntaxError(int Line, int Column, string Message)
{
    public override string ToString() => $"line {Line}, column {Column}: {Message}";
}
