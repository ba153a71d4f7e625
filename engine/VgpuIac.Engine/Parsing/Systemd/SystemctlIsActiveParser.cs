using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Systemd;

/// <summary>Reads <c>systemctl is-active</c> output: one state word per unit asked about.</summary>
public static class SystemctlIsActiveParser
{
    /// <summary>One state per non-empty line, in the order the units were given.</summary>
    public static ParseResult<ImmutableArray<UnitActiveState>> Parse(string? text)
    {
        var notes = new ParseNotes();
        var states = ImmutableArray.CreateBuilder<UnitActiveState>();
        foreach (var line in TextLines.Split(text))
        {
            var word = line.Trim();
            if (word.Length == 0)
            {
                continue;
            }

            var state = ParseState(word);
            if (state == UnitActiveState.Unknown && word != "unknown")
            {
                notes.Warn($"not a unit state: '{word}'");
            }

            states.Add(state);
        }

        return notes.Result(states.ToImmutable());
    }

    /// <summary>Maps one state word (<c>active</c>, <c>inactive</c>, <c>failed</c>, ...) to the enum; Unknown otherwise.</summary>
    public static UnitActiveState ParseState(string? word) => word?.Trim() switch
    {
        "active" => UnitActiveState.Active,
        "reloading" => UnitActiveState.Reloading,
        "inactive" => UnitActiveState.Inactive,
        "failed" => UnitActiveState.Failed,
        "activating" => UnitActiveState.Activating,
        "deactivating" => UnitActiveState.Deactivating,
        "maintenance" => UnitActiveState.Maintenance,
        "refreshing" => UnitActiveState.Refreshing,
        _ => UnitActiveState.Unknown,
    };
}
