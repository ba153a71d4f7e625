namespace VgpuIac.Engine.Ssh;

/// <summary>
/// Thread-pool headroom for SSH.NET. Its key exchange and its channel opens wait on a handle while holding a pool thread,
/// so a plan that reads ten resources at once (Terraform's default parallelism) on several nodes blocks more pool threads
/// than a small machine starts with (one per core). The pool then adds threads only about twice a second, and the node
/// reads start staggered: on 2 cores with 5 nodes the last node's probe started 2.3 s after the first (bench section 2,
/// 5 x 20). Raising the minimum lets those threads start at once; idle threads cost nothing until they are needed.
/// </summary>
internal static class SshThreadPool
{
    /// <summary>
    /// Pool threads started without delay: enough for Terraform's 10 concurrent reads on every node, each of which can hold
    /// one thread in SSH.NET (connect, channel open) and one in its own continuation.
    /// </summary>
    public const int MinimumWorkerThreads = 64;

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
