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
        // unlock_migration is absent, which means false: it is not appended
        Assert.Equal("# mine\nunlock = false # spoof\n\n[pci_info_map]\n0x1b80 = { device_id = 0x1b38, sub_system_id = 0x11d9 }\n", edited);
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

    [Fact]
    public void Missing_keys_mean_vgpu_unlock_rs_defaults_and_are_added_only_when_the_value_differs()
    {
        Assert.Equal((true, false), UnlockConfigToml.Effective(null));
        Assert.Equal((true, false), UnlockConfigToml.Effective("# only a comment\n"));
        Assert.Equal((true, false), UnlockConfigToml.Effective("unlock_migration = false\nunlock = true\n"));
        Assert.Equal((false, true), UnlockConfigToml.Effective("unlock_migration = true\n\tunlock=false # mine\n"));
        Assert.Null(UnlockConfigToml.Effective("unlock = 1\n"));
        Assert.Null(UnlockConfigToml.Effective("unlock = \n"));

        const string Mine = "unlock = true\n";
        Assert.Equal(Mine, UnlockConfigToml.Write(Mine, unlock: true, unlockMigration: false));
        Assert.Equal(Mine + "unlock_migration = true\n", UnlockConfigToml.Write(Mine, unlock: true, unlockMigration: true));
        Assert.Equal("unlock = true\n", UnlockConfigToml.Write("unlock = 1\n", unlock: true, unlockMigration: false));
    }
}
