using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Schema;

/// <summary>Checks one known, non-null attribute value; validators never see unknown or null.</summary>
public interface IValueValidator
{
    /// <summary>Markdown sentence for docs, e.g. "One of `enforce`, `warn`, `off`."</summary>
    string Description { get; }

    /// <summary>Errors for an invalid value, pointing at <paramref name="path"/>; empty when the value is accepted.</summary>
    IEnumerable<Diagnostic> Validate(Value value, AttributePath path);
}
