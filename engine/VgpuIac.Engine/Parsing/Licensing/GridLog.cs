using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Licensing;

/// <summary>Classified licensing log lines in order, with the conclusions a resource needs.</summary>
public sealed record GridLog(ImmutableArray<GridLogEvent> Events)
{
    public GridLogEvent? LastAcquired => Events.LastOrDefault(e => e.Kind == GridLogEventKind.Acquired);

    public GridLogEvent? LastFailure => Events.LastOrDefault(e => e.Kind == GridLogEventKind.Failure);

    /// <summary>True when the last acquisition comes after the last failure / not-licensed line.</summary>
    public bool EndsLicensed
    {
        get
        {
            int acquired = -1, bad = -1;
            for (var i = 0; i < Events.Length; i++)
            {
                if (Events[i].Kind == GridLogEventKind.Acquired)
                {
                    acquired = i;
                }
                else if (Events[i].Kind is GridLogEventKind.Failure or GridLogEventKind.NotLicensed)
                {
                    bad = i;
                }
            }

            return acquired > bad;
        }
    }
}
