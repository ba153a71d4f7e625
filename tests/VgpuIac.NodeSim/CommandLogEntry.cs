namespace VgpuIac.NodeSim;

/// <summary>One line of the node's command log (<c>/var/lib/nodesim/commands.log</c>).</summary>
/// <param name="Index">Zero-based line number in the log (compare with <see cref="SimulatedNode.CommandLogMarkAsync"/>).</param>
/// <param name="Kind">One of <see cref="CommandLogKind"/>.</param>
/// <param name="Text">The command line as received (exec), or the shim's argv joined by spaces, unescaped.</param>
public sealed record CommandLogEntry(int Index, DateTimeOffset Timestamp, TimeSpan Duration, int ExitCode, string Kind, string Text);
