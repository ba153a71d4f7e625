namespace VgpuIac.Pulumi.Tests.Support;

/// <summary>Where the repository, the plugin binary and the Node engine client are.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>tests/pulumi-engine: the Node.js engine client (run <c>npm ci</c> there first).</summary>
    public static string EngineClientDir => Path.Combine(Root, "tests", "pulumi-engine");

    /// <summary>
    /// The plugin to launch: <c>VGPU_PULUMI_BINARY</c> when set (CI: the AOT-published binary), else
    /// <c>artifacts/pulumi/pulumi-resource-vgpu</c> when published, else the build output of the same configuration as the tests.
    /// </summary>
    public static string PluginBinary
    {
        get
        {
            if (Environment.GetEnvironmentVariable("VGPU_PULUMI_BINARY") is { Length: > 0 } fromEnv && File.Exists(fromEnv))
            {
                return fromEnv;
            }

            var published = Path.Combine(Root, "artifacts", "pulumi", "pulumi-resource-vgpu");
            if (File.Exists(published) && File.GetLastWriteTimeUtc(published) >= File.GetLastWriteTimeUtc(typeof(VgpuIac.Pulumi.Schema.PulumiSchema).Assembly.Location))
            {
                return published;
            }

            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(Root, "pulumi", "VgpuIac.Pulumi", "bin", configuration, "net10.0", "pulumi-resource-vgpu");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VgpuIac.sln")) || Directory.Exists(Path.Combine(dir.FullName, "tests", "pulumi-engine")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
