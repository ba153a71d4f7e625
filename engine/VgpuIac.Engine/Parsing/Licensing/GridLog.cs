using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Licensing;

/// <summary>Classified licensing log lines in order, with the conclusions a resource needs.</summary>
internal sealed record GridLog(ImmutableArray<GridLogEvent> Events)
{
    public GridLogEvent? LastAcquired => Events.LastOrDefault(e => e.Kind == GridLogEventKind.Acquired);

    /// <summary>
    /// gridd's latest failure. When that line is unclassified it is a consequence ("Failed to setup cloud License
    /// Manager: 3"); the reason is then the first classified failure of the same run of failures (back to the last
    /// start, acquisition or NLS initialisation), e.g. "Failed to decode signature from token received". systemd's lines
    /// are never failures here.
    /// </summary>
    public GridLogEvent? LastFailure
    {
        get
        {
            var at = -1;
            for (var i = Events.Length - 1; i >= 0 && at < 0; i--)
            {
                at = Events[i].Kind == GridLogEventKind.Failure ? i : -1;
            }

            if (at < 0 || Events[at].Reason != GridFailureReason.Unknown)
            {
                return at < 0 ? null : Events[at];
            }

            GridLogEvent? cause = null;
            for (var i = at - 1; i >= 0; i--)
            {
                var e = Events[i];
                if (e.Kind is GridLogEventKind.Acquired or GridLogEventKind.Acquiring or GridLogEventKind.Started or GridLogEventKind.NlsInitialized or GridLogEventKind.Stopped)
                {
                    break;
                }

                if (e.Kind == GridLogEventKind.Failure && e.Reason != GridFailureReason.Unknown)
                {
                    cause = e;
                }
            }

            return cause ?? Events[at];
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
