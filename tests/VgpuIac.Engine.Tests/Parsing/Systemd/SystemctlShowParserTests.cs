using VgpuIac.Engine.Parsing.Systemd;

namespace VgpuIac.Engine.Tests.Parsing.Systemd;

public sealed class SystemctlShowParserTests
{
    [Fact]
    public void Reads_properties_environment_and_drop_ins()
    {
        const string text = """
            Id=nvidia-vgpu-mgr.service
            LoadState=loaded
            ActiveState=active
            SubState=running
            UnitFileState=enabled
            FragmentPath=/lib/systemd/system/nvidia-vgpu-mgr.service
            DropInPaths=/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf /etc/systemd/system/nvidia-vgpu-mgr.service.d/x.conf
            Environment=LD_PRELOAD=/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so "VGPU_UNLOCK_PROFILE_OVERRIDE_CONFIG_PATH=/etc/vgpu unlock/p.toml" EMPTY=
            ExecMainStatus=0
            """;
        var r = SystemctlShowParser.Parse(text);
        Assert.True(r.IsComplete);
        var p = r.Value;
        Assert.Equal("nvidia-vgpu-mgr.service", p.Id);
        Assert.Equal("active", p.ActiveState);
        Assert.False(p.NotFound);
        Assert.Equal(2, p.DropInPaths.Length);
        Assert.Equal(
            [
                new("LD_PRELOAD", "/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so"),
                new("VGPU_UNLOCK_PROFILE_OVERRIDE_CONFIG_PATH", "/etc/vgpu unlock/p.toml"),
                new KeyValuePair<string, string>("EMPTY", ""),
            ],
            p.Environment.ToArray());
        Assert.Equal(0, p.ExecMainStatus);
    }

    [Fact]
    public void Not_found_unit_and_empty_values()
    {
        var p = SystemctlShowParser.Parse("LoadState=not-found\nActiveState=inactive\nFragmentPath=\nEnvironment=\n").Value;
        Assert.True(p.NotFound);
        Assert.Null(p.FragmentPath);
        Assert.Empty(p.Environment);
        Assert.Empty(p.DropInPaths);
        Assert.Null(p.Get("Missing"));
    }

    [Fact]
    public void Several_units_are_separate_blocks_and_noise_is_a_warning()
    {
        var r = SystemctlShowParser.ParseMany("Id=a.service\nActiveState=failed\n\nId=b.service\nActiveState=active\nsome noise\n");
        Assert.Equal(["a.service", "b.service"], r.Value.Select(u => u.Id));
        Assert.Equal("failed", r.Value[0].ActiveState);
        Assert.Single(r.Warnings);
    }
}
