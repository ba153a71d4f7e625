namespace VgpuIac.Terraform.Service;

/// <summary>A cancellation token that also fires when a <c>timeouts</c> limit passes.</summary>
public sealed class OperationDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;

    public OperationDeadline(CancellationToken outer, TimeSpan? limit, TimeProvider time)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        Limit = limit;
        if (limit is { } after)
        {
            _timer = time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), _source, after, Timeout.InfiniteTimeSpan);
        }

        Outer = outer;
    }

    private readonly ITimer? _timer;

    public CancellationToken Token => _source.Token;

    public CancellationToken Outer { get; }

    public TimeSpan? Limit { get; }

    /// <summary>True when the deadline (not StopProvider or the client) cancelled the operation.</summary>
    public bool TimedOut => _source.IsCancellationRequested && !Outer.IsCancellationRequested;

    public void Dispose()
    {
        _timer?.Dispose();
        _source.Dispose();
    }
}
