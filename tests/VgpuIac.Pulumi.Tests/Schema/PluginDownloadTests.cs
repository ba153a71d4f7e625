using System.Text.Json.Nodes;
using VgpuIac.Pulumi.Schema;
using VgpuIac.Pulumi.Tests.Support;

namespace VgpuIac.Pulumi.Tests.Schema;

/// <summary>
/// <c>pulumi package add</c>/<c>pulumi up</c> fetch the plugin from the schema's <c>pluginDownloadURL</c>: the CLI fills in
/// <c>${VERSION}</c> and appends <c>pulumi-resource-vgpu-v&lt;version&gt;-&lt;os&gt;-&lt;arch&gt;.tar.gz</c>, the archives
/// <c>scripts/release.sh</c> builds for every release target.
/// </summary>
public sealed class PluginDownloadTests
{
    [Fact]
    public void The_schema_says_where_release_archives_live()
    {
        var url = JsonNode.Parse(PulumiSchema.Render())!["pluginDownloadURL"]!.GetValue<string>();
        Assert.Equal(PulumiSchema.PluginDownloadUrl, url);
        Assert.StartsWith("https://", url, StringComparison.Ordinal);
        Assert.Contains("${VERSION}", url, StringComparison.Ordinal);
        Assert.False(url.EndsWith('/'), "the CLI appends /<archive>");
    }

    [Fact]
    public void The_release_builds_an_archive_in_pulumi_naming_for_every_target()
    {
        var script = File.ReadAllText(Path.Combine(RepoPaths.Root, "scripts", "release.sh"));
        Assert.Contains("pulumi-resource-vgpu-v$VERSION-$(pulumi_os_arch \"$rid\").tar.gz", script, StringComparison.Ordinal);
        Assert.Contains("dotnet publish pulumi/VgpuIac.Pulumi", script, StringComparison.Ordinal);
        var targets = System.Text.RegularExpressions.Regex.Match(script, "TARGETS=\\$\\{RELEASE_TARGETS:-\"([^\"]+)\"\\}").Groups[1].Value.Split(' ');
        Assert.NotEmpty(targets);
        var mapping = System.Text.RegularExpressions.Regex.Match(script, "pulumi_os_arch\\(\\) \\{ case \\$1 in (.*?) esac; \\}").Groups[1].Value;
        foreach (var rid in targets.Append("win-arm64"))
        {
            var entry = System.Text.RegularExpressions.Regex.Match(mapping, $"{System.Text.RegularExpressions.Regex.Escape(rid)}\\) echo ([a-z0-9-]+);;");
            Assert.True(entry.Success, $"no Pulumi os-arch for {rid}");
            Assert.Matches("^(linux|darwin|windows)-(amd64|arm64)$", entry.Groups[1].Value);
        }
    }
}
