using VgpuIac.Engine.Unlock;

namespace VgpuIac.Engine.Tests.Unlock;

public sealed class UnlockConfigTomlTests
{
    [Fact]
    public void A_new_file_holds_both_settings()
    {
        var text = UnlockConfigToml.Write(null, unlock: false, unlockMigration: true)!;
        Assert.Equal((false, true), UnlockConfigToml.Read(text, out _));
    }

    [Fact]
    public void Existing_content_is_kept_and_only_the_values_change()
    {
        var text = "# mine\nunlock = true # spoof\n\n[pci_info_map]\n0x1b80 = { device_id = 0x1b38, sub_system_id = 0x11d9 }\n";
        var edited = UnlockConfigToml.Write(text, unlock: false, unlockMigration: false)!;
        Assert.Equal("# mine\nunlock = false # spoof\nunlock_migration = false\n\n[pci_info_map]\n0x1b80 = { device_id = 0x1b38, sub_system_id = 0x11d9 }\n", edited);
        Assert.Equal(edited, UnlockConfigToml.Write(edited, unlock: false, unlockMigration: false));
    }

    [Fact]
    public void Keys_of_the_wrong_type_read_as_missing_and_invalid_files_are_not_written()
    {
        Assert.Equal((null, null), UnlockConfigToml.Read("unlock = 1\n", out _));
        Assert.Null(UnlockConfigToml.Read("unlock = \n", out var error));
        Assert.Equal(1, error!.Line);
        Assert.Null(UnlockConfigToml.Write("unlock = \n", true, false));
    }
}
