namespace VgpuIac.Engine.Parsing.Dkms;

/// <summary>
/// One <c>dkms status</c> line: <c>nvidia/535.129.03, 6.5.13-5-pve, x86_64: installed (WARNING! ...)</c> (dkms 3) or
/// <c>nvidia, 460.73.02, 5.11.22-3-pve, x86_64: installed</c> (dkms 2). Kernel and arch are null for
/// <c>added</c>/<c>built</c>-everywhere lines that omit them.
/// </summary>
internal sealed record DkmsModuleStatus(string Module, string Version, string? Kernel, string? Arch, string Status, string? Warning)
{
    public bool Installed => Status == "installed";
}
