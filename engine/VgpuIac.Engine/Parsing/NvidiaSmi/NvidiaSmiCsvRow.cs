using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// One row of <c>nvidia-smi --query-* --format=csv</c>. Values are keyed by column name with any unit suffix removed;
/// <see cref="Get"/> returns null for <c>N/A</c>, <c>[N/A]</c>, <c>[Not Supported]</c>.
/// </summary>
public sealed record NvidiaSmiCsvRow(ImmutableDictionary<string, string> Values)
{
    private static readonly ImmutableDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["gpu_name"] = "name",
        ["gpu_bus_id"] = "pci.bus_id",
        ["gpu_serial"] = "serial",
        ["gpu_uuid"] = "uuid",
        ["name"] = "gpu_name",
        ["pci.bus_id"] = "gpu_bus_id",
    }.ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>The value of a field by its query name or header name (<c>gpu_name</c> finds <c>name</c>).</summary>
    public string? Get(string field)
    {
        if (!Values.TryGetValue(field, out var v) && !(Aliases.TryGetValue(field, out var alias) && Values.TryGetValue(alias, out v)))
        {
            return null;
        }

        return TextLines.IsNotAvailable(v) ? null : v;
    }

    public long? GetLong(string field) => TextLines.Long(Get(field));

    /// <summary>A memory field in MiB, whether or not the output had units.</summary>
    public long? GetMiB(string field) => TextLines.MiB(Get(field));
}
