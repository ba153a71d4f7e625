using System.Collections.Immutable;
using VgpuIac.Engine.Licensing;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.Licensing;

/// <summary>The licence server's pure decisions, without a node: key work, tokens, create targets, status, images.</summary>
public sealed class DlsPlannerTests
{
    private static readonly string Certificate = DlsKeyMaterial.WebServer("192.0.2.50", TimeProvider.System)[0].Content;

    private static DlsLicenseServerSpec Spec(string url = "192.0.2.50", long port = 443, long? generation = null, string? image = null) =>
        DlsLicenseServerSpec.From(Value.Object(
            ("vmid", Value.Number(250)), ("ip_address", Value.String("192.0.2.50/24")), ("dls_url", Value.String(url)), ("dls_port", Value.Number(port)),
            ("key_generation", generation is { } g ? Value.Number(g) : Value.Null), ("image", image is null ? Value.Null : Value.String(image))));

    private static DlsKeyFacts Facts(long? generation = null, int major = 2) =>
        new() { CertificatePem = Certificate, SigningKeySha256 = "ab", Major = major, KeyGeneration = generation };

    [Fact]
    public void Complete_matching_key_material_is_kept()
    {
        Assert.False(DlsPlanner.KeyWork(Spec(), Facts()).Any);
        Assert.False(DlsPlanner.KeyWork(Spec(generation: 3), Facts(generation: 3)).Any);
    }

    [Fact]
    public void Key_generation_replaces_everything()
    {
        Assert.Equal(new DlsKeyWork(true, true), DlsPlanner.KeyWork(Spec(generation: 1), Facts()));
        Assert.Equal(new DlsKeyWork(true, true), DlsPlanner.KeyWork(Spec(), Facts(generation: 1)));
    }

    [Fact]
    public void Another_address_needs_only_a_new_web_certificate_and_another_major_only_new_signing_keys()
    {
        Assert.Equal(new DlsKeyWork(true, false), DlsPlanner.KeyWork(Spec(url: "dls.example.org"), Facts()));
        Assert.Equal(new DlsKeyWork(false, true), DlsPlanner.KeyWork(Spec(image: "collinwebdesigns/fastapi-dls:1.5.4"), Facts()));
    }

    [Fact]
    public void Missing_material_is_made_and_nothing_known_means_everything()
    {
        Assert.Equal(new DlsKeyWork(false, true), DlsPlanner.KeyWork(Spec(), Facts() with { SigningKeySha256 = null }));
        Assert.Equal(new DlsKeyWork(true, false), DlsPlanner.KeyWork(Spec(), Facts() with { CertificatePem = null }));
        Assert.Equal(new DlsKeyWork(true, true), DlsPlanner.KeyWork(Spec(), null));
    }

    [Fact]
    public void An_update_keeps_the_token_unless_the_signer_or_the_address_changes()
    {
        var prior = Prior();
        var same = DlsPlanner.PlanUpdate(Spec(), prior);
        Assert.False(same.NewToken);
        Assert.False(same.Keys.Any);
        Assert.Empty(same.Diagnostics);

        var port = DlsPlanner.PlanUpdate(Spec(port: 8443), prior);
        Assert.True(port.NewToken);
        Assert.False(port.Keys.Any);
        Assert.Contains(port.Diagnostics, d => d.Summary.Contains("tokens will be replaced", StringComparison.Ordinal));

        var rotation = DlsPlanner.PlanUpdate(Spec(generation: 1), prior);
        Assert.True(rotation.NewToken);
        Assert.True(rotation.Keys.NewSigningKeys);
        Assert.Equal("key_generation", Assert.Single(rotation.Diagnostics).Path!.ToString());

        var planned = DlsStateMapping.PlanKeys(prior, prior, same);
        Assert.Equal(prior["client_token"], planned["client_token"]);
        Assert.True(DlsStateMapping.PlanKeys(prior, prior, rotation)["signing_key_sha256"].IsUnknown);
    }

    [Fact]
    public void A_create_over_the_replaced_object_plans_over_ours_adopts_and_over_a_strangers_refuses()
    {
        var absent = new DlsNodeState { Exists = false };
        var ours = new DlsNodeState { Exists = true, CtConfig = ImmutableDictionary<string, string>.Empty.Add("tags", "other;vgpuiac").Add("hostname", "dls") };
        var strangers = new DlsNodeState { Exists = true, CtConfig = ImmutableDictionary<string, string>.Empty.Add("hostname", "dls") };
        Assert.Empty(DlsPlanner.CheckCreateTarget(Spec(), "pve1", absent, null));
        Assert.Empty(DlsPlanner.CheckCreateTarget(Spec(), "pve1", strangers, "pve1/lxc/250"));
        Assert.False(Assert.Single(DlsPlanner.CheckCreateTarget(Spec(), "pve1", ours, null)).IsError);
        var refusal = Assert.Single(DlsPlanner.CheckCreateTarget(Spec(), "pve1", strangers, "pve1/lxc/251"));
        Assert.True(refusal.IsError);
        Assert.Equal("pve1/lxc/250", refusal.Import!.Id);
        Assert.Same(DlsLicenseServerDefinition.Definition, refusal.Import.Resource);
        var other = ours with { CtConfig = ours.CtConfig.SetItem("hostname", "elsewhere") };
        Assert.Contains("hostname elsewhere", Assert.Single(DlsPlanner.CheckCreateTarget(Spec(), "pve1", other, null)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pin_is_the_recorded_certificate_when_its_hash_matches_else_the_nodes()
    {
        var other = DlsKeyMaterial.WebServer("192.0.2.50", TimeProvider.System)[0].Content;
        var facts = Facts() with { CertificatePem = other };
        Assert.Equal(Certificate, DlsPlanner.PinnedCertificate(Prior(), facts));
        Assert.Equal(other, DlsPlanner.PinnedCertificate(Prior().With("certificate_sha256", Value.String("00")), facts));
        Assert.Equal(other, DlsPlanner.PinnedCertificate(null, facts));
    }

    [Fact]
    public void Status_names_what_the_next_apply_repairs()
    {
        var up = new DlsNodeState { Exists = true, CtRunning = true, ContainerExists = true, ContainerRunning = true, RestartPolicy = "always" };
        Assert.Equal("running", DlsPlanner.Status(true, up));
        Assert.Equal("stopped", DlsPlanner.Status(true, up with { CtRunning = false }));
        Assert.Equal("container missing", DlsPlanner.Status(true, up with { ContainerExists = false }));
        Assert.Equal("container stopped", DlsPlanner.Status(false, up with { ContainerRunning = false }));
        Assert.Equal("restart policy no", DlsPlanner.Status(true, up with { RestartPolicy = "no" }));
    }

    [Fact]
    public void Key_files_open_to_others_or_not_owned_by_root_are_drift_and_the_other_versions_files_are_named()
    {
        var files = DlsKeyFileModes.Parse("""
            webserver.key 600 0 0
            webserver.crt 644 0 0
            root_private_key.pem 644 0 0
            si_private_key.pem 640 1000 1000
            si_certificate.pem 666 0 0
            ca_private_key.pem 400 0 0
            instance.private.pem 600 0 0
            vgpuiac-keys 644 0 0
            garbage line
            """);
        Assert.Equal(8, files.Length);
        var repairs = DlsKeyFileModes.ModeRepairs(files);
        Assert.Equal(["root_private_key.pem 0644 -> 0600", "si_certificate.pem 0666 -> 0644", "si_private_key.pem 0640 -> 0600 owner 1000:1000 -> root"], repairs.Select(r => r.Text));
        Assert.Equal(["instance.private.pem"], DlsKeyFileModes.OtherVersionFiles(files, major: 2).Select(r => r.Name));
        Assert.All(DlsKeyFileModes.OtherVersionFiles(files, major: 2), r => Assert.True(r.Remove));
        Assert.Empty(DlsKeyFileModes.OtherVersionFiles(files.Where(f => f.Name != "instance.private.pem"), major: 2));

        var up = new DlsNodeState { Exists = true, CtRunning = true, ContainerExists = true, ContainerRunning = true, RestartPolicy = "always", FileModes = files };
        var status = DlsPlanner.Status(true, up, major: 2);
        Assert.Equal("key file modes: root_private_key.pem 0644 -> 0600, si_certificate.pem 0666 -> 0644, si_private_key.pem 0640 -> 0600 owner 1000:1000 -> root; " +
            "other version's key files: instance.private.pem", status);
        Assert.StartsWith("container stopped; key file modes: ", DlsPlanner.Status(true, up with { ContainerRunning = false }, major: 2), StringComparison.Ordinal);
        Assert.Equal("running", DlsPlanner.Status(true, up with { FileModes = [] }, major: 2));

        // the plan warns about both repairs, from the status the last read left
        var plan = DlsPlanner.PlanUpdate(Spec(), Prior().With("status", Value.String(status)));
        Assert.False(plan.Keys.Any);
        Assert.False(plan.NewToken);
        Assert.Contains(plan.Diagnostics, d => d.Summary == "Licence server key file modes will be repaired" && d.Detail.StartsWith("root_private_key.pem 0644 -> 0600", StringComparison.Ordinal));
        Assert.Contains(plan.Diagnostics, d => d.Summary == "Key files of the other FastAPI-DLS version will be removed" && d.Detail.StartsWith("instance.private.pem:", StringComparison.Ordinal));
        Assert.Empty(DlsPlanner.PlanUpdate(Spec(), Prior().With("status", Value.String("running"))).Diagnostics);
    }

    [Fact]
    public void A_change_of_major_version_plans_new_signing_keys_and_names_the_old_versions_files_to_remove()
    {
        var plan = DlsPlanner.PlanUpdate(Spec(image: "collinwebdesigns/fastapi-dls:1.5.4"), Prior());
        Assert.True(plan.Keys.NewSigningKeys);
        var warning = Assert.Single(plan.Diagnostics);
        Assert.Contains("The FastAPI-DLS 2.x key files (root_private_key.pem, root_certificate.pem, ca_private_key.pem, ca_certificate.pem, si_private_key.pem, si_certificate.pem) are removed", warning.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("collinwebdesigns/fastapi-dls:1.5.4", 1)]
    [InlineData("collinwebdesigns/fastapi-dls:1.5.4@sha256:e5078363ef86548b41c998367dfa2641015c5b7ffb7b3db280332669f8b1b5f0", 1)]
    [InlineData("collinwebdesigns/fastapi-dls:2.0.2", 2)]
    [InlineData("registry.example.org:5000/fastapi-dls:v1.3", 1)]
    [InlineData(DlsImage.Default, 2)]
    public void The_image_tag_selects_the_major_version(string image, int major) => Assert.Equal(major, DlsImage.Major(image));

    [Fact]
    public void A_bare_tag_is_warned_at_plan_and_validation_refuses_unknown_majors()
    {
        var resource = new DlsLicenseServerResource();
        var driver = new ResourceDriver(resource, null!);
        Value Config(string image) => driver.Fill(Value.Object(("vmid", Value.Number(250)), ("ip_address", Value.String("dhcp")),
            ("dls_url", Value.String("192.0.2.50")), ("image", Value.String(image))));
        // the tag-only warning comes from the plan (Terraform validates a resource with an import block twice)
        Assert.DoesNotContain(resource.Validate(Config("collinwebdesigns/fastapi-dls:2.0.3")), d => d.Summary.Contains("tag only", StringComparison.Ordinal));
        Assert.False(DlsLicenseServerResource.TagOnlyWarning(Config("collinwebdesigns/fastapi-dls:2.0.3"))!.IsError);
        Assert.Null(DlsLicenseServerResource.TagOnlyWarning(Config(DlsImage.Default)));
        Assert.Empty(resource.Validate(Config(DlsImage.Default)));
        Assert.Contains(resource.Validate(Config("collinwebdesigns/fastapi-dls:3.0.0@sha256:e5078363ef86548b41c998367dfa2641015c5b7ffb7b3db280332669f8b1b5f0")), d => d.IsError);
    }

    [Fact]
    public void The_chain_is_two_4096_bit_authorities_and_a_2048_bit_service_instance_with_private_keys_secret()
    {
        var files = DlsKeyMaterial.Signing(2, DlsLicenseServerSpec.InstanceRef, TimeProvider.System);
        Assert.Equal(DlsKeyMaterial.ChainFiles, files.Select(f => f.Name));
        Assert.All(files, f => Assert.Equal(f.Name.Contains("private", StringComparison.Ordinal), f.Secret));
        Assert.All(files.Where(f => f.Secret), f => Assert.Equal("0600", f.ModeText));
        Assert.NotNull(DlsKeyMaterial.SigningKeySha256(files.Single(f => f.Name == DlsKeyMaterial.SiCertificateFile).Content));
    }

    private static Value Prior() => Value.Object(
        ("image", Value.String(DlsImage.Default)), ("dls_url", Value.String("192.0.2.50")), ("dls_port", Value.Number(443)),
        ("certificate_pem", Value.String(Certificate)), ("certificate_sha256", Value.String(DlsKeyMaterial.CertificateSha256(Certificate)!)),
        ("signing_key_sha256", Value.String("ab")), ("root_certificate_pem", Value.String("root")), ("key_generation", Value.Null),
        ("client_token", Value.String("a.b.c").AsSensitive()));
}
