using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Licensing;

/// <summary>Classified licensing log lines in order, with the conclusions a resource needs.</summary>
public sealed record GridLog(ImmutableArray<GridLogEvent> Events)
{
    public GridLogEvent? LastAcquired => Events.LastOrDefault(e => e.Kind == GridLogEventKind.Acquired);

    /// <summary>
    /// gridd's latest failure. When gridd logs a classified reason followed by its consequences (e.g. "Failed to read
    /// configurations ..." then "Failed to setup cloud License Manager"), the reason is returned, not the consequence.
    /// systemd's lines are never failures here.
    /// </summary>
    public GridLogEvent? LastFailure
    {
        get
        {
            var last = Events.LastOrDefault(e => e.Kind == GridLogEventKind.Failure);
            if (last is null || last.Reason != GridFailureReason.Unknown)
            {
                return last;
            }

            // walk back over the unclassified failures of the same burst (no acquisition or start between)
            for (var i = Events.IndexOf(last) - 1; i >= 0; i--)
            {
                var e = Events[i];
                if (e.Kind is GridLogEventKind.Acquired or GridLogEventKind.Started or GridLogEventKind.Acquiring)
                {
                    break;
                }

                if (e.Kind == GridLogEventKind.Failure && e.Reason != GridFailureReason.Unknown)
                {
                    return e;
                }
            }

            return last;
        }
    }

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
