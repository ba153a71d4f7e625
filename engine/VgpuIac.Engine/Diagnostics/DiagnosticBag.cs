using System.Collections;
using System.Collections.Immutable;

namespace VgpuIac.Engine.Diagnostics;

/// <summary>An append-only bag of diagnostics for one operation.</summary>
public sealed class DiagnosticBag : IReadOnlyList<Diagnostic>
{
    private readonly List<Diagnostic> _items = [];

    /// <summary>The number of diagnostics added so far.</summary>
    public int Count => _items.Count;

    /// <summary>The diagnostic added in position <paramref name="index"/>.</summary>
    public Diagnostic this[int index] => _items[index];

    /// <summary>True once any error was added.</summary>
    public bool HasErrors => _items.Exists(d => d.IsError);

    /// <summary>Adds one diagnostic.</summary>
    public void Add(Diagnostic diagnostic) => _items.Add(diagnostic);

    /// <summary>Adds several diagnostics, in order.</summary>
    public void AddRange(IEnumerable<Diagnostic> diagnostics) => _items.AddRange(diagnostics);

    /// <summary>Adds an error with this summary, detail and attribute path.</summary>
    public void Error(string summary, string detail, AttributePath? path = null) => Add(Diagnostic.Error(summary, detail, path));

    /// <summary>Adds a warning with this summary, detail and attribute path.</summary>
    public void Warning(string summary, string detail, AttributePath? path = null) => Add(Diagnostic.Warning(summary, detail, path));

    /// <summary>The diagnostics added so far, as an immutable snapshot.</summary>
    public ImmutableArray<Diagnostic> ToImmutable() => [.. _items];

    /// <summary>Enumerates the diagnostics in the order they were added.</summary>
    public IEnumerator<Diagnostic> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
