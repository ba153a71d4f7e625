namespace VgpuIac.Engine.Parsing.Kernel;

/// <summary>One dmesg message; indented continuation lines are joined with <c>\n</c>. <see cref="Seconds"/> is the
/// <c>[  123.456]</c> uptime stamp when printed.</summary>
internal sealed record KernelLogEntry(double? Seconds, string Message);
