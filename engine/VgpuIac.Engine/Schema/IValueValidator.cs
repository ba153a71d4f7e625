using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Schema;

/// <summary>Checks one known, non-null attribute value; validators never see unknown or null.</summary>
public interface IValueValidator
{
    /// <summary>Markdown sentence for docs, e.g. "One of `enforce`, `warn`, `off`."</summary>
    string Description { get; }

    IEnumerable<Diagnostic> Validate(Value value, AttributePath path);
}
