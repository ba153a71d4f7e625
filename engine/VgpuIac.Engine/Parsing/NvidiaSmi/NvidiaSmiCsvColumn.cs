namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>A column of <c>--format=csv</c> output: the header name (<c>memory.total</c>) and unit (<c>MiB</c>) if printed.</summary>
public sealed record NvidiaSmiCsvColumn(string Name, string? Unit);
