using System.Collections.Immutable;

namespace VgpuIac.Engine.Remote;

/// <summary>
/// A command to run on a node: a program and its arguments (never shell text built from user input),
/// optional standard input, and which parts are secret. Immutable; build with <see cref="Of"/> and the With* methods.
/// </summary>
public sealed record RemoteCommand
{
    public required string Program { get; init; }

    public ImmutableArray<string> Arguments { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Indexes into <see cref="Arguments"/> that hold secrets (rendered as *** in logs).</summary>
    public ImmutableHashSet<int> SensitiveArguments { get; init; } = ImmutableHashSet<int>.Empty;

    /// <summary>Bytes fed to standard input (e.g. a probe script for <c>bash -s</c>, or secret file content).</summary>
    public ReadOnlyMemory<byte>? StandardInput { get; init; }

    public bool StandardInputIsSensitive { get; init; }

    /// <summary>Per-command timeout; null means the transport default.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>True when the command changes the node (reads are false). The command log and tests use it.</summary>
    public bool Mutating { get; init; }

    public static RemoteCommand Of(string program, params string[] arguments) =>
        new() { Program = program, Arguments = [.. arguments] };

    /// <summary>Runs a fixed script with <c>bash -s -- args...</c>; arguments arrive as $1, $2, ... and are never spliced into the script.</summary>
    public static RemoteCommand Script(string script, params string[] arguments) =>
        new()
        {
            Program = "bash",
            Arguments = ["-s", "--", .. arguments],
            StandardInput = System.Text.Encoding.UTF8.GetBytes(script),
        };

    public RemoteCommand WithArgument(string argument, bool sensitive = false) =>
        this with
        {
            Arguments = Arguments.Add(argument),
            SensitiveArguments = sensitive ? SensitiveArguments.Add(Arguments.Length) : SensitiveArguments,
        };

    public RemoteCommand AsMutating(bool mutating = true) => this with { Mutating = mutating };

    public RemoteCommand WithTimeout(TimeSpan timeout) => this with { Timeout = timeout };

    public RemoteCommand WithInput(ReadOnlyMemory<byte> input, bool sensitive = false) =>
        this with { StandardInput = input, StandardInputIsSensitive = sensitive };

    /// <summary>Shell text to execute; every word quoted.</summary>
    public string Render() => ShellQuote.Join([Program, .. Arguments]);

    /// <summary>Shell text for logs: secrets replaced by <c>***</c>.</summary>
    public string RenderForLog() =>
        string.Join(' ', new[] { ShellQuote.Quote(Program) }.Concat(
            Arguments.Select((a, i) => SensitiveArguments.Contains(i) ? "***" : ShellQuote.Quote(a))));

    public override string ToString() => RenderForLog();
}
