using System.Collections;
using System.Collections.Immutable;

namespace VgpuIac.Engine.Diagnostics;

/// <summary>An append-only bag of diagnostics for one operation.</summary>
public sealed class DiagnosticBag : IReadOnlyList<Diagnostic>
{
    private readonly List<Diagnostic> _items = [];

    public int Count => _items.Count;

    public Diagnostic this[int index] => _items[index];

    public bool HasErrors => _items.Exists(d => d.IsError);

    public void Add(Diagnostic diagnostic) => _items.Add(diagnostic);

    public void AddRange(IEnumerable<Diagnostic> diagnostics) => _items.AddRange(diagnostics);

    public void Error(string summary, string detail, AttributePath? path = null) => Add(Diagnostic.Error(summary, detail, path));

    public void Warning(string summary, string detail, AttributePath? path = null) => Add(Diagnostic.Warning(summary, detail, path));

    public ImmutableArray<Diagnostic> ToImmutable() => [.. _items];

    public IEnumerator<Diagnostic> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
