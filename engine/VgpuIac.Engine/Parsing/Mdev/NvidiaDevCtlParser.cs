using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Mdev;

/// <summary>
/// Reads the third-party <c>nvidia-dev-ctl.py list-mdev --classes</c> table
/// (<c>PCI_ADDRESS MDEV_TYPE NAME AVAILABLE_INSTANCES</c>) into <see cref="MdevType"/> rows.
/// </summary>
public static class NvidiaDevCtlParser
{
    public static ParseResult<ImmutableArray<MdevType>> Parse(string? text)
    {
        var notes = new ParseNotes();
        var list = ImmutableArray.CreateBuilder<MdevType>();
        foreach (var raw in TextLines.Split(text))
        {
            var tokens = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length < 4 || Pci.PciAddress.TryParse(tokens[0]) is null)
            {
                continue;
            }

            var available = TextLines.Int(tokens[^1]);
            if (available is null)
            {
                notes.Warn($"unreadable row: '{raw.Trim()}'");
            }

            list.Add(new MdevType(tokens[0], tokens[1], available, null, string.Join(' ', tokens[2..^1]), null));
        }

        return notes.Result(list.ToImmutable());
    }
}
