using VgpuIac.Engine.Host;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Tests.Support;

namespace VgpuIac.Engine.Tests.Host;

/// <summary>
/// The node-facts cache against the simulated node: one probe per node shared by concurrent readers, dropped by any change
/// through the shell (no call site invalidates by hand), never kept when it overlapped a change, and trusted for a lifetime
/// that starts when the answer arrives. Counts come from the node's command log.
/// </summary>
public sealed class NodeFactsCacheNodeTests
{
    private static async Task<int> ProbesAsync(NodeContext ctx, int mark) =>
        (await ctx.Node.ReadCommandLogAsync(mark)).Count(e => e.Kind.StartsWith("shim", StringComparison.Ordinal) && e.Text == "pveversion"); // only the probe runs it

    [NodeFact]
    public async Task Concurrent_reads_share_one_probe_and_any_change_through_the_shell_drops_it()
    {
        await using var ctx = await NodeContext.StartAsync();
        var cache = new NodeFactsCache(TimeSpan.FromMinutes(5));
        var shell = ctx.Shell;
        var mark = await ctx.Node.CommandLogMarkAsync();

        var facts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => cache.GetAsync(shell, TimeProvider.System, CancellationToken.None)));
        Assert.All(facts, f => Assert.Same(facts[0], f));
        await shell.RunAsync(RemoteCommand.Of("true"), CancellationToken.None);
        Assert.Same(facts[0], await cache.GetAsync(shell, TimeProvider.System, CancellationToken.None));
        Assert.Equal(1, await ProbesAsync(ctx, mark));

        await shell.WriteFileAsync(new RemoteFile { Path = "/run/vgpuiac-cache-test", Content = "x"u8.ToArray() }, CancellationToken.None);
        var afterWrite = await cache.GetAsync(shell, TimeProvider.System, CancellationToken.None);
        Assert.NotSame(facts[0], afterWrite);
        Assert.Equal(2, await ProbesAsync(ctx, mark));

        await shell.RunAsync(RemoteCommand.Of("touch", "/run/vgpuiac-cache-test").AsMutating(), CancellationToken.None);
        Assert.NotSame(afterWrite, await cache.GetAsync(shell, TimeProvider.System, CancellationToken.None));
        Assert.Equal(3, await ProbesAsync(ctx, mark));
    }

    [NodeFact]
    public async Task An_answer_that_overlapped_a_change_is_given_to_its_callers_but_not_kept()
    {
        await using var ctx = await NodeContext.StartAsync();
        var cache = new NodeFactsCache(TimeSpan.FromMinutes(5));
        var shell = ctx.Shell;
        await ctx.Node.DelayAsync("^pveversion", 1.5, once: true);
        var mark = await ctx.Node.CommandLogMarkAsync();

        var inFlight = cache.GetAsync(shell, TimeProvider.System, CancellationToken.None);
        await shell.RunAsync(RemoteCommand.Of("touch", "/run/vgpuiac-cache-test").AsMutating(), CancellationToken.None);
        var overlapped = await inFlight;

        Assert.NotSame(overlapped, await cache.GetAsync(shell, TimeProvider.System, CancellationToken.None));
        Assert.Equal(2, await ProbesAsync(ctx, mark));
    }

    [NodeFact]
    public async Task The_lifetime_starts_when_the_answer_arrives()
    {
        await using var ctx = await NodeContext.StartAsync();
        var cache = new NodeFactsCache(TimeSpan.FromSeconds(5));
        var time = new ManualTime();
        var shell = ctx.Shell;
        await ctx.Node.DelayAsync("^pveversion", 1.5, once: true);
        var mark = await ctx.Node.CommandLogMarkAsync();

        var inFlight = cache.GetAsync(shell, time, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(10)); // the probe took "10 s": longer than the lifetime, yet fresh on arrival
        var first = await inFlight;
        Assert.Same(first, await cache.GetAsync(shell, time, CancellationToken.None));
        Assert.Equal(1, await ProbesAsync(ctx, mark));

        time.Advance(TimeSpan.FromSeconds(6));
        Assert.NotSame(first, await cache.GetAsync(shell, time, CancellationToken.None));
        Assert.Equal(2, await ProbesAsync(ctx, mark));
    }

    [NodeFact]
    public async Task A_shell_seen_without_the_observer_is_probed_every_time()
    {
        await using var ctx = await NodeContext.StartAsync();
        var raw = Assert.IsType<ObservedRemoteShell>(ctx.Shell).Inner;
        var cache = new NodeFactsCache(TimeSpan.FromMinutes(5));
        var mark = await ctx.Node.CommandLogMarkAsync();

        await cache.GetAsync(raw, TimeProvider.System, CancellationToken.None);
        await cache.GetAsync(raw, TimeProvider.System, CancellationToken.None);

        Assert.Equal(2, await ProbesAsync(ctx, mark));
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = TimeSpan.TicksPerDay;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
