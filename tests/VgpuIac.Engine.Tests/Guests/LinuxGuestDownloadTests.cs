using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Tests.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>
/// A Linux guest that downloads its driver from <c>guest_driver_url</c> itself: the URL travels on the guest command's
/// standard input, so neither the node's <c>qm guest exec</c> arguments nor the guest's <c>ps</c> show a presigned URL's token.
/// </summary>
public sealed class LinuxGuestDownloadTests
{
    private const string Version = "535.129.03";

    [NodeFact]
    public async Task A_linux_guest_downloads_the_driver_with_the_url_on_stdin_and_refuses_one_that_does_not_match()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var dir = Directory.CreateTempSubdirectory("vgpuiac-lguest-");
        var installer = Path.Combine(dir.FullName, FakeGuestDriver.FileName(Version));
        var sha = FakeGuestDriver.Write(installer, Version);
        await using var files = new FileServer(await File.ReadAllBytesAsync(installer));
        // a presigned URL with characters curl's config syntax would otherwise read: a quote and a backslash
        var url = files.Url($"vgpu/{FakeGuestDriver.FileName(Version)}?X-Amz-Signature=presigned-token-204&q=%22a%5Cb");
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);
        Value Config(string sum) => Value.Object(
            ("node", Value.String(NodeContext.NodeName)),
            ("vmid", Value.Number(204)),
            ("name", Value.String("vgpu-download")),
            ("mdev_type_name", Value.String("GRID P40-1Q")),
            ("guest_driver_url", Value.String(url)),
            ("guest_driver_sha256", Value.String(sum)),
            ("host_driver_version", Value.String(HostDriverSetup.Version)));
        var mark = await ctx.Node.CommandLogMarkAsync();

        // a checksum that does not match: downloaded, refused, nothing installed
        var (partial, diagnostics) = await guests.ApplyAsync(Config(new string('0', 64)), null, expectErrors: true);
        var d = Assert.Single(diagnostics, x => x.IsError);
        Assert.Equal("Unable to download the guest driver", d.Summary);
        Assert.Equal("guest_driver_sha256", d.Path!.ToString());
        Assert.Equal(1, files.Requests);

        // the right checksum: downloaded inside the guest, checked, installed
        var (state, _) = await guests.ApplyAsync(Config(sha), partial);
        Assert.Equal(Version, state!["guest_driver_version"].AsString());
        Assert.Equal(2, files.Requests);

        var log = await ctx.Node.ReadCommandLogAsync(mark);
        // the node ran the download twice through the agent with stdin passed, and no argument carried the URL
        var downloads = log.Where(e => e.Kind == CommandLogKind.Exec && e.Text.Contains("qm guest exec 204 --pass-stdin 1 ", StringComparison.Ordinal) && e.Text.Contains("--config -", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, downloads.Count);
        Assert.DoesNotContain(log, e => e.Text.Contains("presigned-token-204", StringComparison.Ordinal));
        Assert.DoesNotContain(log, e => e.Text.Contains($"127.0.0.1:{files.Port}", StringComparison.Ordinal));
        await guests.DeleteAsync(state);
    }
}
