using System.Collections.Immutable;
using VgpuIac.Engine.Parsing;
using VgpuIac.Engine.Parsing.Journal;

namespace VgpuIac.Engine.Tests.Parsing.Journal;

public sealed class JournalParserTests
{
    private const string Kind = "vgpu-journal";

    private static readonly Dictionary<string, Action<ParseResult<JournalLog>, ImmutableArray<VgpuLogEvent>>> Expected = new()
    {
        ["dualcoder-1-debian-vgpu-type-50-nvos-0x56.txt"] = (r, ev) =>
        {
            Assert.Equal(6, r.Value.Entries.Length);
            var first = r.Value.Entries[0];
            Assert.Equal((2, 13, new TimeOnly(15, 20, 8)), (first.Month!.Value, first.Day!.Value, first.Time!.Value));
            Assert.Equal("Debian-dom0", first.Host);
            Assert.Equal("nvidia-vgpu-mgr", first.Identifier);
            Assert.Equal(1562, first.Pid);
            var start = ev.Single(e => e.Kind == VgpuLogEventKind.VgpuStartCall);
            Assert.Equal("38512783-4893-47f7-9179-b0594167e86b", start.MdevUuid);
            Assert.Equal(50, start.VgpuTypeId);
            Assert.Equal("00:01:00.0", start.Value);
            Assert.Equal("0x56", ev.Single(e => e.Kind == VgpuLogEventKind.NvosError).Value);
        },
        ["dualcoder-57-gtx970-logs-begin-at-header.txt"] = (r, ev) =>
        {
            Assert.Equal("-- Logs begin at Sun 2021-07-04 12:11:18 CEST, end at Sun 2021-07-04 12:14:06 CEST. --", Assert.Single(r.Value.Headers));
            Assert.Equal("journalctl -u nvidia-vgpu-mgr.service", Assert.Single(r.Value.OtherLines));
            Assert.Equal([VgpuLogEventKind.ServiceStarting, VgpuLogEventKind.ServiceStarted], ev.Select(e => e.Kind));
            Assert.All(r.Value.Entries, e => Assert.Equal("pve1", e.Host));
        },
        ["dualcoder-69-2080s-vgpu-type-440-logs-begin-cst.txt"] = (r, ev) =>
        {
            Assert.Single(r.Value.Headers);
            Assert.Equal("root@kr:~# journalctl -u nvidia-vgpu-mgr", Assert.Single(r.Value.OtherLines));
            Assert.Equal(12, r.Value.Entries.Length);
            Assert.Equal("bash", r.Value.Entries[2].Identifier);
            Assert.Equal(5, ev.Count(e => e.Kind == VgpuLogEventKind.UnlockLoaded));
            var start = ev.Single(e => e.Kind == VgpuLogEventKind.VgpuStartCall);
            Assert.Equal("00000000-0000-0000-0000-000000000103", start.MdevUuid);
            Assert.Equal(440, start.VgpuTypeId);
            Assert.Equal("00:4b:00.0", start.Value);
        },
        ["dualcoder-71-nl-locale-failed-to-get-vm-uuid-0x57.txt"] = (r, ev) =>
        {
            Assert.True(r.IsComplete);
            Assert.All(r.Value.Entries, e => Assert.Equal(8, e.Month));
            Assert.Equal("0x57", ev.Single(e => e.Kind == VgpuLogEventKind.VmUuidMissing).Value);
            Assert.Equal(VgpuLogEventKind.Error, ev[1].Kind);
        },
        ["dualcoder-9-no-timestamp-prefix-type-63-nvos-0x56.txt"] = (r, ev) =>
        {
            Assert.Equal(11, r.Value.Entries.Length);
            Assert.All(r.Value.Entries, e =>
            {
                Assert.Null(e.Timestamp);
                Assert.Null(e.Host);
                Assert.Equal("nvidia-vgpu-mgr", e.Identifier);
                Assert.Equal(10884, e.Pid);
            });
            var start = ev.Single(e => e.Kind == VgpuLogEventKind.VgpuStartCall);
            Assert.Equal("00000000-0000-0000-0000-000000000100", start.MdevUuid);
            Assert.Null(start.VgpuTypeId);
            Assert.Equal("0x56", ev.Single(e => e.Kind == VgpuLogEventKind.NvosError).Value);
        },
        ["dualcoder-99-zh-locale-guest-driver-512.78.txt"] = (r, ev) =>
        {
            Assert.True(r.IsComplete);
            Assert.All(r.Value.Entries, e => Assert.Equal((9, 6), (e.Month!.Value, e.Day!.Value)));
            Assert.Equal("v-amd", r.Value.Entries[0].Host);
            Assert.Equal("512.78", ev.Single(e => e.Kind == VgpuLogEventKind.GuestDriverVersion).Value);
        },
        ["vgpu-unlock-rs-10-vgpu-mgr-clean-boot.txt"] = (r, ev) =>
        {
            Assert.StartsWith("-- Journal begins at", Assert.Single(r.Value.Headers), StringComparison.Ordinal);
            Assert.Equal(2, r.Value.OtherLines.Length);
            Assert.Equal("p53.rubicon.local", r.Value.Entries[0].Host);
            Assert.Equal([VgpuLogEventKind.ServiceStarting, VgpuLogEventKind.ServiceStarted, VgpuLogEventKind.DaemonStarted], ev.Select(e => e.Kind));
        },
        ["vgpu-unlock-rs-29-vgpud-gpu-not-supported.txt"] = (r, ev) =>
        {
            Assert.Equal("Size: 16\nVersion 1", r.Value.Entries.Single(e => e.Message.StartsWith("Size:", StringComparison.Ordinal)).Message);
            Assert.Equal("0:1:0:0", ev.Single(e => e.Kind == VgpuLogEventKind.GpuNotSupported).Value);
            Assert.Equal("6/NOTCONFIGURED", ev.First(e => e.Kind == VgpuLogEventKind.ServiceFailed).Value);
            Assert.Contains(r.Value.Entries, e => e.Message.Length == 0);
        },
        ["vgpu-unlock-rs-37-a5000-applying-profile-nvidia-662.txt"] = (r, ev) =>
        {
            Assert.True(r.IsComplete);
            var apply = Assert.Single(ev, e => e.Kind == VgpuLogEventKind.OverrideApplying);
            Assert.Equal("nvidia-662", apply.Profile);
            Assert.Equal("profile", apply.Value);
            var patches = ev.Where(e => e.Kind == VgpuLogEventKind.OverridePatched).ToList();
            Assert.Equal(6, patches.Count);
            Assert.Equal(("nvidia-662", "num_heads", "4", "1"), (patches[0].Profile, patches[0].Field, patches[0].OldValue, patches[0].NewValue));
            Assert.Equal(("fb_length", "3959422976", "989855744"), (patches[5].Field, patches[5].OldValue, patches[5].NewValue));
        },
        ["vgpu-unlock-rs-49-libvirt-vgpu-type-241-start.txt"] = (r, ev) =>
        {
            Assert.Equal(5, r.Value.Entries.Length);
            Assert.Null(r.Value.Entries[0].Month);
            Assert.Equal(2, r.Value.Entries[0].Day);
            Assert.Equal(6, r.Value.Entries[1].Month);
            Assert.Contains(r.Warnings, w => w.Contains("'un'", StringComparison.Ordinal));
            Assert.Equal(241, ev.Single(e => e.Kind == VgpuLogEventKind.VgpuStartCall).VgpuTypeId);
        },
    };

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        Assert.True(Expected.ContainsKey(file), $"no expectation written for {Kind}/{file}");
        var r = JournalParser.Parse(RealOutputs.Read(Kind, file));
        Expected[file](r, VgpuLogInterpreter.Interpret(r.Value));
    }

    [Fact]
    public void Every_expectation_has_a_sample() =>
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), RealOutputs.List(Kind));

    [Fact]
    public void Groups_a_struct_dump_and_decodes_syslog_escapes()
    {
        const string text = """
            Sep 24 18:48:00 gamma nvidia-vgpu-mgr[1873063]: VgpuConfig {
            Sep 24 18:48:00 gamma nvidia-vgpu-mgr[1873063]:     vgpu_type: 662,
            Sep 24 18:48:00 gamma nvidia-vgpu-mgr[1873063]:     inner: Inner {
            Sep 24 18:48:00 gamma nvidia-vgpu-mgr[1873063]:         x: 1,
            Sep 24 18:48:00 gamma nvidia-vgpu-mgr[1873063]:     },
            Sep 24 18:48:00 gamma nvidia-vgpu-mgr[1873063]: }
            Sep 24 18:48:00 gamma nvidia-vgpu-mgr[1873063]: Applying profile nvidia-662 overrides
            Sep 24 18:48:01 gamma vgpu_unlock[12]: line one#012line two#011tabbed
            2025-01-27T18:14:22+0800 pve nvidia-vgpu-mgr[5]: vGPU license state: Licensed
            """;
        var r = JournalParser.Parse(text);
        Assert.True(r.IsComplete);
        Assert.Equal(4, r.Value.Entries.Length);
        Assert.Equal(6, r.Value.Entries[0].Message.Split('\n').Length);
        Assert.EndsWith("}", r.Value.Entries[0].Message, StringComparison.Ordinal);
        Assert.Equal("line one\nline two\ttabbed", r.Value.Entries[2].Message);
        Assert.Equal("vgpu_unlock", r.Value.Entries[2].Identifier);
        var iso = r.Value.Entries[3];
        Assert.Equal((1, 27, "pve"), (iso.Month!.Value, iso.Day!.Value, iso.Host));
        var ev = VgpuLogInterpreter.Interpret(r.Value);
        Assert.Equal("Licensed", ev[3].Value);
        Assert.Equal(VgpuLogEventKind.LicenceState, ev[3].Kind);
    }

    [Fact]
    public void Unclosed_struct_dump_is_truncated()
    {
        var r = JournalParser.Parse("Sep 24 18:48:00 gamma nvidia-vgpu-mgr[1]: VgpuConfig {\nSep 24 18:48:00 gamma nvidia-vgpu-mgr[1]:     vgpu_type: 662,\n");
        Assert.True(r.Truncated);
        Assert.Single(r.Value.Entries);
        Assert.Empty(JournalParser.Parse("").Value.Entries);
    }

    [Fact]
    public void Override_failures_and_abi_mismatch()
    {
        var ev = VgpuLogInterpreter.Parse(
            "Jan 01 00:00:00 pve nvidia-vgpu-mgr[9]: Failed to apply profile override\n" +
            "Jan 01 00:00:00 pve nvidia-vgpud[8]: Parameters size for 0xa0820102 was 5424 bytes, expected 4960\n").Value;
        Assert.Equal([VgpuLogEventKind.OverrideFailed, VgpuLogEventKind.UnlockAbiMismatch], ev.Select(e => e.Kind));
    }
}
