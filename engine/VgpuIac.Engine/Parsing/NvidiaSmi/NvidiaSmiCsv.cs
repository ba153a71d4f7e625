using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>The columns and rows of <c>nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]</c>.</summary>
public sealed record NvidiaSmiCsv(ImmutableArray<NvidiaSmiCsvColumn> Columns, ImmutableArray<NvidiaSmiCsvRow> Rows);
