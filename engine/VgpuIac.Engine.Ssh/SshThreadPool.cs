namespace VgpuIac.Engine.Ssh;

/// <summary>
/// Thread-pool headroom for SSH.NET. Its key exchange and its channel opens wait on a handle while holding a pool thread,
/// so a plan that reads ten resources at once (Terraform's default parallelism) on several nodes blocks more pool threads
/// than a small machine starts with (one per core). The pool then adds threads only about twice a second, and the node
/// reads start staggered: on 2 cores with 5 nodes the last node's probe started 2.3 s after the first (bench section 2,
/// 5 x 20). Raising the minimum lets those threads start at once; threads are started only when work waits for one.
/// </summary>
internal static class SshThreadPool
{
    /// <summary>
    /// Pool threads started without delay. Terraform runs at most 10 operations at once (its default parallelism, over all
    /// nodes), each of which can hold one pool thread in SSH.NET while it connects or opens a channel, or while it waits for
    /// a node lock's "locked" line; the minimum covers those and two more. Each thread started costs memory: with 64 the
    /// provider's peak RSS in a 5 x 20 no-op plan was 58-62 MiB, with 12 it is 56-57 MiB, and the five probes still start
    /// within ~30 ms of each other.
    /// </summary>
    public const int MinimumWorkerThreads = 12;

    private static int _applied;

    /// <summary>Raises the pool's minimum worker threads to <see cref="MinimumWorkerThreads"/> once per process (never lowers it).</summary>
    public static void EnsureHeadroom()
    {
        if (Interlocked.Exchange(ref _applied, 1) != 0)
        {
            return;
        }

        ThreadPool.GetMinThreads(out var workers, out var io);
        if (workers < MinimumWorkerThreads)
        {
            ThreadPool.SetMinThreads(MinimumWorkerThreads, io);
        }
    }
}
