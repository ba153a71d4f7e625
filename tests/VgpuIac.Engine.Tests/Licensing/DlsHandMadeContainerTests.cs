using System.Collections.Immutable;
using VgpuIac.Engine.Licensing;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.Licensing;

/// <summary>A FastAPI-DLS container made by hand (issue 16): a variable it leaves unset runs with the app's default.</summary>
public sealed class DlsHandMadeContainerTests
{
    private const string Image = "collinwebdesigns/fastapi-dls:1.5.4";

    private static readonly DlsLicenseServerSpec Spec = DlsLicenseServerSpec.From(Value.Object(
        ("vmid", Value.Number(250)), ("ip_address", Value.String("192.0.2.50/24")), ("dls_url", Value.String("192.0.2.50")),
        ("dls_port", Value.Number(443)), ("image", Value.String(Image))));

    /// <summary>The README's docker run plus the docker-compose example's database: no lease, time zone or 1.x key variables.</summary>
    private static DlsNodeState HandMade(params string[] env) => new()
    {
        Exists = true,
        CtRunning = true,
        ContainerExists = true,
        ContainerRunning = true,
        RestartPolicy = "always",
        Image = Image,
        Env = env.Select(e => e.Split('=', 2)).ToImmutableDictionary(p => p[0], p => p[1], StringComparer.Ordinal),
    };

    [Fact]
    public void Unset_variables_read_as_the_apps_defaults_and_the_container_is_kept()
    {
        var node = HandMade("DLS_URL=192.0.2.50", "DLS_PORT=443", "DATABASE=sqlite:////app/database/db.sqlite");

        Assert.Equal("90", node.EnvValue("LEASE_EXPIRE_DAYS"));
        Assert.Equal("0.15", node.EnvValue("LEASE_RENEWAL_PERIOD"));
        Assert.Equal("UTC", node.EnvValue("TZ"));
        Assert.Equal("/app/cert/instance.private.pem", node.EnvValue("INSTANCE_KEY_RSA"));
        Assert.False(DlsPlanner.ContainerChange(Spec, node, new DlsKeyWork(false, false)));
    }

    [Fact]
    public void A_database_outside_the_volume_is_a_real_difference_and_nothing_is_read_without_a_container()
    {
        // FastAPI-DLS's default database is sqlite:///db.sqlite, inside the container, not the volume VgpuIac keeps
        Assert.True(DlsPlanner.ContainerChange(Spec, HandMade("DLS_URL=192.0.2.50", "DLS_PORT=443"), new DlsKeyWork(false, false)));
        Assert.True(DlsPlanner.ContainerChange(Spec, HandMade("DLS_URL=192.0.2.50", "DLS_PORT=443", "DATABASE=sqlite:////app/database/db.sqlite", "LEASE_EXPIRE_DAYS=30"), new DlsKeyWork(false, false)));
        Assert.Null(new DlsNodeState { Exists = true, CtRunning = true }.EnvValue("LEASE_EXPIRE_DAYS"));
    }
}
