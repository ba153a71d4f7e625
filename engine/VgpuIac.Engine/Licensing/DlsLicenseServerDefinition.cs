using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Licensing;

/// <summary>Schema of <c>vgpu_dls_license_server</c>: a FastAPI-DLS licence server in Docker, in a new LXC or on an existing Docker host.</summary>
internal static class DlsLicenseServerDefinition
{
    /// <summary>The image VgpuIac documents and defaults to: FastAPI-DLS 2.0.3 pinned by digest (see <see cref="DlsImage.Default"/>).</summary>
    public const string DefaultImage = DlsImage.Default;

    public const string DefaultTemplate = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";

    public static ResourceDefinition Definition { get; } = new()
    {
        Name = "dls_license_server",
        PulumiName = "DlsLicenseServer",
        Kind = ObjectKind.Resource,
        DeleteBeforeReplace = true,
        Aliases = ["dls_license_server"],
        ImportIdFormat = "<node>/lxc/<vmid> or <node>/docker",
        Description =
            "A self-hosted licence server (FastAPI-DLS, a DLS-compatible service) running in Docker, either in a new " +
            "unprivileged LXC container on the node (`nesting=1,keyctl=1`, tagged `vgpuiac`) or on an existing Docker host (`hosting = \"docker_host\"`; " +
            "the container is labelled `vgpuiac.managed`). VgpuIac generates all key material itself and places it in the server's cert volume " +
            "(owner root, private keys mode 0600, certificates 0644) before the server first starts, then fetches the client configuration token over " +
            "TLS pinned to the certificate recorded in state (`certificate_sha256`).\n\n" +
            "**FastAPI-DLS versions.** The default image is FastAPI-DLS " + DlsImage.DefaultTag + " pinned by digest. " +
            "2.x (2.0.0 and later) signs tokens with the service-instance key of a root → intermediate CA → service instance chain in its cert " +
            "directory; VgpuIac generates that chain (`root_*`, `ca_*`, `si_*`) and the web server key and certificate. " +
            "1.x is supported when the image names its 1.x tag (e.g. `collinwebdesigns/fastapi-dls:1.5.4`, or `:1.5.4@sha256:…`): VgpuIac then " +
            "generates the instance key pair that 1.x reads through `INSTANCE_KEY_RSA` / `INSTANCE_KEY_PUB`. An image referenced by digest alone is " +
            "treated as 2.x. Other major versions are refused.\n\n" +
            "**Guest driver branches.** Guests up to vGPU 17.x license with the client token alone, from 1.x or 2.x: Linux R550 and older " +
            "(550.x, 535.x), Windows 553.x and older (17.x: 551.x–553.x; 16.x: 536.x–539.x). " +
            "Guests with 18.x and newer drivers need FastAPI-DLS 2.x **and** a licensing client patched with gridd-unlock-patcher to trust this " +
            "server's root certificate (`root_certificate_pem`, also served at `/-/config/root-certificate`): on Linux `nvidia-gridd` of R570+ " +
            "(570.x = 18.x, 580.x = 19.x, 595.x = 20.x), on Windows `nvxdapix.dll` in the display driver's DriverStore folder " +
            "(`C:\\Windows\\System32\\DriverStore\\FileRepository\\nvgridsw.inf_amd64_*`) of drivers 572.x and later " +
            "(572.x/573.x = 18.x, 580.x/581.x = 19.x, 596.x = 20.x). FastAPI-DLS 1.x licenses none of them. " +
            "From 18.x on the licensing client trusts only the root certificates built into it and reads no certificate file (on Windows not the " +
            "certificate store either), so there is no path or registry value to install the certificate at: the patcher, which runs on Linux only, " +
            "writes it into the binary (Linux: `gridd-unlock-patcher -g $(command -v nvidia-gridd) -c root.pem`, then restart `nvidia-gridd`; " +
            "Windows: copy `nvxdapix.dll` out, `gridd-unlock-patcher -g nvxdapix.dll -c root.pem`, put it back as an administrator with the " +
            "patcher's `windows-replace-nvxdapix.ps1`). VgpuIac does not patch NVIDIA binaries. Before `vgpu_guest` installs a token into an " +
            "18.x+ guest, Linux or Windows, it checks read-only inside the guest which server the token names and whether the licensing client " +
            "holds that server's root certificate; when it does not (or the server is 1.x) the apply stops before the token is installed, naming " +
            "the guest, its node, its driver branch, the server's version and what to do, and the plan says that this check will run. Patch again " +
            "after every guest driver update and after `key_generation` (a new root). Some Windows driver builds cannot be patched (the patcher " +
            "says `Failed to find the hardcoded NLS certificates!`); use a 17.x driver there.\n\n" +
            "**Importing a hand-made server.** Import reads the server's certificates and keys where its container really has them: the host folder " +
            "mounted at its cert path (`/app/cert`, or `CERT_PATH` of its environment), read from `docker inspect`, e.g. `/srv/dls/cert`; `status`, " +
            "repairs and `key_generation` act on that folder, and a re-created container mounts it again at `/app/cert`. A container that keeps " +
            "its keys only in its own writable layer (no folder mounted there) is not imported: copy the keys out (`docker cp`), re-create the " +
            "container with that folder mounted, and import again.\n\n" +
            "**Key files.** Every key file is owned by root; private keys are 0600. A server VgpuIac did not create (imported) may have " +
            "others: FastAPI-DLS 2.x creates missing chain files with mode 0644. Wrong owners or modes show in `status` " +
            "(`key file modes: si_private_key.pem 0644 -> 0600, …`) and in the plan, and the next apply changes them in place: no key or " +
            "certificate changes (`certificate_sha256`, `signing_key_sha256`, `client_token` stay). A change of the image's major version " +
            "makes the signing keys that version reads and removes the other version's key files (1.x `instance.private.pem`, " +
            "`instance.public.pem`; 2.x `root_*`, `ca_*`, `si_*`); the plan names them, and such files found later show in `status` " +
            "(`other version's key files: …`) and are removed by the next apply.\n\n" +
            "**Stopped is not missing.** A stopped container (`pct stop`, `docker stop`) is read as `status` other than `running`; the state keeps " +
            "its certificate, keys and token, and the next apply starts it. Keys and certificates change only when you ask (`key_generation`, " +
            "`dls_url`), or when the image's major version needs other signing keys.\n\n" +
            "**Opt-in.** Guests can equally be licensed with a client token from NVIDIA's own licence service (`vgpu_guest.license_token`). " +
            "Running a licence server is subject to NVIDIA's licence terms, which are yours to keep.",
        Attributes =
        [
            Attr.Computed("id", AttrType.String, "`<node>/lxc/<vmid>` or `<node>/docker`.") with { StableComputed = true },
            ProviderSchema.NodeAttribute,
            Attr.WithDefault("hosting", AttrType.String, Value.String("lxc"),
                "`lxc`: create an LXC container on the node and run Docker in it; `docker_host`: the node is an existing Docker host (any SSH host configured as a provider `node`).")
                with { ForcesReplacement = true, Validators = [Validators.OneOf("lxc", "docker_host")] },
            Attr.Optional("vmid", AttrType.Integer, "ID of the LXC container to create (`hosting = \"lxc\"`; required there).")
                with { ForcesReplacement = true, Validators = [Validators.IntRange(100, 999_999_999)] },
            Attr.WithDefault("template", AttrType.String, Value.String(DefaultTemplate), "Container template volume, e.g. `local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst` (download it with `pveam download`).")
                with { ForcesReplacement = true },
            Attr.WithDefault("storage", AttrType.String, Value.String("local-lvm"), "Storage for the container's root disk.") with { ForcesReplacement = true },
            Attr.WithDefault("disk_size_gb", AttrType.Integer, Value.Number(8), "Root disk size in GiB.") with { ForcesReplacement = true, Validators = [Validators.IntRange(2, 1024)] },
            Attr.WithDefault("hostname", AttrType.String, Value.String("dls"), "Host name of the container.")
                with { ForcesReplacement = true, Validators = [Validators.Pattern("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$", "a host name (letters, digits, hyphens)")] },
            Attr.WithDefault("bridge", AttrType.String, Value.String("vmbr0"), "Bridge of the container's network interface.")
                with { ForcesReplacement = true, Validators = [Validators.Pattern("^[a-zA-Z0-9_.-]{1,15}$", "a bridge name such as vmbr0")] },
            Attr.Optional("ip_address", AttrType.String, "Container address in CIDR form (`192.168.1.50/24`) or `dhcp`. Required for `hosting = \"lxc\"`.")
                with { ForcesReplacement = true, Validators = [Validators.Pattern(@"^(dhcp|[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2})$", "an IPv4 CIDR such as 192.168.1.50/24, or dhcp")] },
            Attr.Optional("gateway", AttrType.String, "Default gateway of the container.")
                with { ForcesReplacement = true, Validators = [Validators.Pattern(@"^[0-9]{1,3}(\.[0-9]{1,3}){3}$", "an IPv4 address")] },
            Attr.WithDefault("memory_mb", AttrType.Integer, Value.Number(512), "Container memory in MiB (FastAPI-DLS needs about 256).") with { ForcesReplacement = true, Validators = [Validators.IntRange(128, 65536)] },
            Attr.WithDefault("image", AttrType.String, Value.String(DefaultImage),
                $"Container image, pinned by digest (a bare tag is accepted with a warning; `latest` is refused). Default: FastAPI-DLS {DlsImage.DefaultTag}, `{DefaultImage}`. " +
                "The tag's major version selects the configuration VgpuIac writes (1.x or 2.x; a digest without a tag is taken as 2.x).")
                with { Validators = [Validators.PinnedImage()] },
            Attr.Required("dls_url", AttrType.String, "Address guests use to reach the licence server (IP or DNS name). Written into every client token and into the certificate's SAN.")
                with { Validators = [Validators.Pattern(@"^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?$", "an IP address or DNS name")] },
            Attr.WithDefault("dls_port", AttrType.Integer, Value.Number(443), "Port guests connect to; it is both published and written into the tokens.")
                with { Validators = [Validators.IntRange(1, 65535)] },
            Attr.WithDefault("lease_expire_days", AttrType.Integer, Value.Number(90), "Lease duration in days (FastAPI-DLS allows at most 90).") with { Validators = [Validators.IntRange(1, 90)] },
            Attr.WithDefault("lease_renewal_period", AttrType.Number, Value.Number(0.15m), "Fraction of the lease after which clients renew (0.15 = after 15 %).") with { Validators = [Validators.NumberRange(0.01m, 0.99m)] },
            Attr.WithDefault("timezone", AttrType.String, Value.String("UTC"), "Time zone of the licence server (`TZ`). Guest clocks must agree with the server's.")
                with { Validators = [Validators.Pattern(@"^[A-Za-z0-9_+\-/]{1,64}$", "a tz database name such as Europe/Berlin")] },
            Attr.Optional("key_generation", AttrType.Integer,
                "Change it to rotate all key material: a new web server certificate and new signing keys (2.x: a new root, CA and service-instance " +
                "chain; 1.x: a new instance key pair). New tokens are signed by the new key and every client token issued before stops leasing: " +
                "guests that use `client_token` receive the new token on their next apply; 18.x+ guests must also be patched with the new " +
                "`root_certificate_pem`. Nothing else ever replaces keys: not a restart, a repair or an image update within one major version."),
            Attr.Computed("url", AttrType.String, "`https://<dls_url>:<dls_port>`.") with { StableComputed = false },
            Attr.Computed("client_token_url", AttrType.String, "Where guests download a client configuration token."),
            Attr.Computed("certificate_pem", AttrType.String, "The web server certificate (PEM), for pinning by clients."),
            Attr.Computed("certificate_sha256", AttrType.String, "SHA-256 of the certificate (DER), lowercase hex, for pinning."),
            Attr.Computed("client_token", AttrType.String, "A client configuration token (`.tok` content), fetched over TLS pinned to `certificate_pem`.") with { Sensitive = true },
            Attr.Computed("container_name", AttrType.String, "Name of the Docker container (`fastapi-dls`).") with { StableComputed = true },
            Attr.Computed("status", AttrType.String,
                "`running`, or what the next apply repairs: `stopped` (the LXC), `container stopped`, `container missing`, `restart policy <name>`; " +
                "then, after `; ` when both, `key file modes: <file> <mode> -> <mode> [owner <uid>:<gid> -> root], …` and `other version's key files: <file>, …`."),
            Attr.Computed("signing_key_sha256", AttrType.String,
                "SHA-256 of the public key that signs client tokens (SubjectPublicKeyInfo DER, lowercase hex): 2.x the service-instance key, 1.x the instance key. Changes only with `key_generation` or a change of major version."),
            Attr.Computed("root_certificate_pem", AttrType.String,
                "2.x: the root certificate of the signing chain (what `/-/config/root-certificate` serves), for patching 18.x+ guest drivers with gridd-unlock-patcher. Null for 1.x."),
        ],
    };
}
