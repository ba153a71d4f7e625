namespace VgpuIac.Terraform.Tests.Support;

/// <summary>
/// Which provider executable the process and end-to-end tests drive: <c>VGPU_PROVIDER_BINARY</c>; else the AOT publish
/// in <c>artifacts/provider/</c> unless the build output copied next to the tests is newer (a stale publish would test
/// old code); else that build output.
/// </summary>
public static class ProviderBinary
{
    public const string FileName = "terraform-provider-vgpu";

    public static string Path { get; } = Locate();

    public static string Directory => System.IO.Path.GetDirectoryName(Path)!;

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("VGPU_PROVIDER_BINARY") is { Length: > 0 } explicitPath)
        {
            return System.IO.Path.GetFullPath(explicitPath);
        }

        var built = System.IO.Path.Combine(AppContext.BaseDirectory, FileName);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "VgpuIac.sln")))
            {
                var published = System.IO.Path.Combine(dir.FullName, "artifacts", "provider", FileName);
                var builtAssembly = built + ".dll";
                if (File.Exists(published)
                    && !(File.Exists(builtAssembly) && File.GetLastWriteTimeUtc(builtAssembly) > File.GetLastWriteTimeUtc(published)))
                {
                    return published;
                }

                break;
            }
        }

        return built;
    }
}
