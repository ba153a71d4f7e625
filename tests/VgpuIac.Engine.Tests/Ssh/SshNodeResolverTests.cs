using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Ssh;

namespace VgpuIac.Engine.Tests.Ssh;

public sealed class SshNodeResolverTests
{
    private static NodeSettings Node(string name) => new() { Name = name, Host = "192.0.2.1", Password = "x", HostKeySha256 = new string('A', 43) };

    [Fact]
    public async Task The_only_node_is_used_when_no_name_is_given_and_shells_are_created_once()
    {
        await using var resolver = new SshNodeResolver(new ProviderSettings([Node("pve1")]), new RecordingLog());
        var diagnostics = new DiagnosticBag();

        var byDefault = resolver.Resolve(null, AttributePath.Of("node"), diagnostics);
        var byName = resolver.Resolve("pve1", AttributePath.Of("node"), diagnostics);

        Assert.Empty(diagnostics);
        Assert.NotNull(byDefault);
        Assert.Same(byDefault, byName);
        Assert.Equal("pve1", byDefault.NodeName);
    }

    [Fact]
    public async Task A_resolver_leaves_room_in_the_thread_pool_for_terraform_s_concurrent_blocking_ssh_calls()
    {
        // SSH.NET holds a pool thread while it exchanges keys or opens a channel: with one thread per core, five nodes' first
        // reads would start up to seconds apart (SshThreadPool)
        await using var resolver = new SshNodeResolver(new ProviderSettings([Node("pve1")]), new RecordingLog());

        ThreadPool.GetMinThreads(out var workers, out _);

        Assert.True(workers >= SshThreadPool.MinimumWorkerThreads, $"minimum worker threads {workers}");
        Assert.True(SshThreadPool.MinimumWorkerThreads >= 10, "Terraform's 10 concurrent operations");
    }

    [Fact]
    public async Task Ambiguous_or_unknown_names_give_a_diagnostic_listing_the_known_nodes()
    {
        await using var resolver = new SshNodeResolver(new ProviderSettings(ImmutableArray.Create(Node("pve1"), Node("pve2"))), new RecordingLog());
        var diagnostics = new DiagnosticBag();

        Assert.Null(resolver.Resolve(null, AttributePath.Of("node"), diagnostics));
        Assert.Null(resolver.Resolve("pve9", AttributePath.Of("node"), diagnostics));

        Assert.Equal(2, diagnostics.Count);
        Assert.All(diagnostics, d =>
        {
            Assert.True(d.IsError);
            Assert.Equal("node", d.Path!.ToString());
            Assert.Contains("\"pve1\", \"pve2\"", d.Detail, StringComparison.Ordinal);
        });
        Assert.Contains("pve9", diagnostics[1].Summary, StringComparison.Ordinal);
        Assert.Equal(["pve1", "pve2"], resolver.NodeNames);
    }
}
