using System.Collections.Immutable;

namespace VgpuIac.Engine.Remote;

/// <summary>
/// A command to run on a node: a program and its arguments (never shell text built from user input),
/// optional standard input, and which parts are secret. Immutable; build with <see cref="Of"/> and the With* methods.
/// </summary>
public sealed record RemoteCommand
{
    /// <summary>The program to run, found on the node's PATH (e.g. <c>qm</c>, <c>mdevctl</c>).</summary>
    public required string Program { get; init; }

    /// <summary>The program's arguments, each passed as one word.</summary>
    public ImmutableArray<string> Arguments { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Indexes into <see cref="Arguments"/> that hold secrets (rendered as *** in logs).</summary>
    public ImmutableHashSet<int> SensitiveArguments { get; init; } = ImmutableHashSet<int>.Empty;

    /// <summary>Bytes fed to standard input (e.g. a probe script for <c>bash -s</c>, or secret file content).</summary>
    public ReadOnlyMemory<byte>? StandardInput { get; init; }

    /// <summary>Standard input is secret: its bytes never reach a log.</summary>
    public bool StandardInputIsSensitive { get; init; }

    /// <summary>Per-command timeout; null means the transport default.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>True when the command changes the node (reads are false). The command log and tests use it.</summary>
    public bool Mutating { get; init; }

    /// <summary>Runs <paramref name="program"/> with these arguments; a read until <see cref="AsMutating"/> says otherwise.</summary>
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

    /// <summary>This command with one more argument at the end; a sensitive one is rendered as <c>***</c> in logs.</summary>
    public RemoteCommand WithArgument(string argument, bool sensitive = false) =>
        this with
        {
            Arguments = Arguments.Add(argument),
            SensitiveArguments = sensitive ? SensitiveArguments.Add(Arguments.Length) : SensitiveArguments,
        };

    /// <summary>This command marked as one that changes the node (or not).</summary>
    public RemoteCommand AsMutating(bool mutating = true) => this with { Mutating = mutating };

    /// <summary>This command with its own timeout instead of the transport default.</summary>
    public RemoteCommand WithTimeout(TimeSpan timeout) => this with { Timeout = timeout };

    /// <summary>This command with these bytes on standard input; sensitive input never reaches a log.</summary>
    public RemoteCommand WithInput(ReadOnlyMemory<byte> input, bool sensitive = false) =>
        this with { StandardInput = input, StandardInputIsSensitive = sensitive };

    /// <summary>Shell text to execute; every word quoted.</summary>
    public string Render() => ShellQuote.Join([Program, .. Arguments]);

    /// <summary>Shell text for logs: secrets replaced by <c>***</c>.</summary>
    public string RenderForLog() =>
        string.Join(' ', new[] { ShellQuote.Quote(Program) }.Concat(
            Arguments.Select((a, i) => SensitiveArguments.Contains(i) ? "***" : ShellQuote.Quote(a))));

    /// <summary>The command as logged: <see cref="RenderForLog"/>.</summary>
    public override string ToString() => RenderForLog();
}
