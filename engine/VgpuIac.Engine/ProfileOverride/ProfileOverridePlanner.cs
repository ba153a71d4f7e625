using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.ProfileOverride.ProfileOverrideDefinition;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>Pure validation and planning of <c>vgpu_profile_override</c> (the node facts it needs are passed in).</summary>
internal static class ProfileOverridePlanner
{
    /// <summary>VRAM below which NVIDIA disables NVENC for a vGPU (framebuffer + reservation).</summary>
    public const ulong NvencMinimum = ByteSize.GiB;

    /// <summary>The reservation a 1 GiB profile carries; assumed when only <c>framebuffer</c> is set.</summary>
    public const ulong TypicalReservation = 128 * ByteSize.MiB;

    /// <summary>
    /// Static checks: exactly one target, value types and ranges, sizes. Errors only: the warnings about settings that
    /// misbehave come from <see cref="Warnings"/>, which the plan adds, so that a door that validates the configuration
    /// more than once per command (Terraform validates before and again while planning) shows each warning once.
    /// </summary>
    public static IEnumerable<Diagnostic> Validate(Value config)
    {
        var diagnostics = new DiagnosticBag();
        ValidateTarget(config, diagnostics);
        foreach (var key in OverrideKeys.All)
        {
            var value = config[key.Name];
            if (value.IsNull || !value.IsKnown)
            {
                continue;
            }

            ValidateKey(key, value, diagnostics);
        }

        return diagnostics;
    }

    /// <summary>Warnings about settings vgpu_unlock-rs accepts but that misbehave (framebuffer without reservation, NVENC, pixels).</summary>
    public static IEnumerable<Diagnostic> Warnings(Value config)
    {
        var diagnostics = new DiagnosticBag();
        WarnAboutFramebuffer(config, diagnostics);
        WarnAboutPixels(config, diagnostics);
        return diagnostics;
    }

    /// <summary>
    /// The warning of a create that takes over a section written by hand: which keys change, which are added, which vanish
    /// (set in the file, not in the configuration), and that destroy puts the section back as it is now.
    /// <paramref name="desired"/> is null while a configured value is unknown.
    /// </summary>
    public static Diagnostic AdoptionWarning(string nodeName, OverrideSection section, SectionLookup existing, IReadOnlyList<OverrideEntry>? desired)
    {
        if (desired is null)
        {
            return Diagnostic.Warning(
                $"The section [{section.Name}] already exists and will be taken over",
                $"{D.FilePath} on node \"{nodeName}\" already has [{section.Name}] (line {existing.Line}) with {string.Join(", ", existing.Entries.Select(e => $"{e.Key} = {e.Value.Source}"))}, not created by this resource. " +
                "Apply takes it over; keys not set in the configuration are removed. Its current text is recorded in adopted_section: destroying the resource puts the section back exactly as it is now.",
                AttributePath.Of(D.Section));
        }

        var changed = new List<string>();
        var removed = new List<string>();
        foreach (var entry in existing.Entries)
        {
            var wanted = desired.FirstOrDefault(d => d.Key == entry.Key);
            if (wanted is null)
            {
                removed.Add($"{entry.Key} = {entry.Value.Source}");
            }
            else if (!wanted.SameValueAs(entry))
            {
                changed.Add($"{entry.Key} {entry.Value.Source} -> {wanted.Value.Source}");
            }
        }

        var added = desired.Where(d => existing.Entries.All(e => e.Key != d.Key)).Select(d => $"{d.Key} = {d.Value.Source}").ToList();
        var parts = new List<string>();
        if (changed.Count > 0)
        {
            parts.Add($"changes {string.Join(", ", changed)}");
        }

        if (added.Count > 0)
        {
            parts.Add($"adds {string.Join(", ", added)}");
        }

        if (removed.Count > 0)
        {
            parts.Add($"REMOVES {string.Join(", ", removed)} (set in the file but not in the configuration: add them to the configuration to keep them)");
        }

        var what = parts.Count == 0 ? "changes no key" : string.Join("; ", parts);
        return Diagnostic.Warning(
            $"The section [{section.Name}] already exists and will be taken over",
            $"{D.FilePath} on node \"{nodeName}\" already has [{section.Name}] (line {existing.Line}), not created by this resource. Apply takes it over and {what}. " +
            "Everything outside the section stays as it is. Its current text is recorded in adopted_section: destroying the resource puts the section back exactly as it is now. " +
            "To see it in the plan as attribute changes instead, import it first.",
            AttributePath.Of(D.Section));
    }

    /// <summary>
    /// Plans a create or update. <paramref name="resolvedMdevType"/> is the type id the node gave for <c>mdev_type_name</c>
    /// (null when not resolvable yet: then it stays unknown until apply).
    /// </summary>
    public static PlanResult Plan(Value config, Value? prior, string nodeName, string? resolvedMdevType)
    {
        var definition = D.Definition;
        var planned = PlanDefaults.Prepare(definition, config, prior).With(ProviderSchema.NodeAttribute.Name, Value.String(nodeName));
        planned = planned.With(D.MdevType, PlanMdevType(config, prior, resolvedMdevType));

        foreach (var key in OverrideKeys.All.Where(k => k.Kind == OverrideValueKind.ByteSize))
        {
            var text = planned[key.Name];
            planned = planned.With(key.BytesAttribute, text.IsNull ? Value.Null
                : text.StringOrNull is { } s && ByteSize.Parse(s, out _) is { } bytes ? Value.Number(bytes) : Value.Unknown);
        }

        planned = planned.With(OverrideKeys.MaxPixels.Name, PlanMaxPixels(config));

        var spec = ProfileOverrideSpec.FromValue(planned);
        var section = spec.Section;
        var targetUnknown = section is null;
        planned = planned
            .With(D.Section, targetUnknown ? Value.Unknown : Value.String(section!.Name))
            .With(D.Id, targetUnknown ? Value.Unknown : Value.String(D.IdOf(nodeName, section!)))
            .With(D.UnmanagedKeys, Value.List())
            .With(D.AdoptedSection, prior is null ? Value.Unknown : prior[D.AdoptedSection]);

        var unchanged = prior is not null
            && PlanDefaults.ConfigurableEqual(definition, planned, prior)
            && prior[D.UnmanagedKeys] is { Kind: ValueKind.List } unmanaged && unmanaged.Items.IsEmpty;
        planned = planned.With(D.RestartRequiredVms, unchanged ? prior![D.RestartRequiredVms] : Value.Unknown);

        return new PlanResult
        {
            Planned = planned,
            RequiresReplace = PlanDefaults.ReplacementPaths(definition, prior, planned),
        };
    }

    private static Value PlanMdevType(Value config, Value? prior, string? resolved)
    {
        if (!config[D.MdevType].IsNull)
        {
            return config[D.MdevType];
        }

        var name = config[D.MdevTypeName];
        if (name.IsNull)
        {
            return Value.Null;
        }

        if (resolved is not null)
        {
            return Value.String(resolved);
        }

        return prior is not null && prior[D.MdevTypeName].Equals(name) && prior[D.MdevType].StringOrNull is not null
            ? prior[D.MdevType]
            : Value.Unknown;
    }

    /// <summary>The configured <c>max_pixels</c>, else width × height when both are set, else null.</summary>
    private static Value PlanMaxPixels(Value config)
    {
        var configured = config[OverrideKeys.MaxPixels.Name];
        if (!configured.IsNull)
        {
            return configured;
        }

        var width = config[OverrideKeys.DisplayWidth.Name];
        var height = config[OverrideKeys.DisplayHeight.Name];
        if (width.IsNull || height.IsNull)
        {
            return Value.Null;
        }

        return width.NumberOrNull is { } w && height.NumberOrNull is { } h ? Value.Number(w * h) : Value.Unknown;
    }

    private static void ValidateTarget(Value config, DiagnosticBag diagnostics)
    {
        var set = D.TargetAttributes.Where(a => !config[a].IsNull).ToList();
        if (set.Count == 0)
        {
            diagnostics.Error(
                "Unable to choose the override section",
                "Set exactly one of mdev_type (e.g. \"nvidia-46\"), mdev_type_name (e.g. \"GRID P40-1Q\"), vmid (e.g. 104) or mdev_uuid.",
                AttributePath.Of(D.MdevType));
            return;
        }

        foreach (var extra in set.Skip(1))
        {
            diagnostics.Error(
                "Unable to choose the override section",
                $"{set[0]} and {extra} are both set. Set exactly one of mdev_type, mdev_type_name, vmid or mdev_uuid: each picks a different section of profile_override.toml.",
                AttributePath.Of(extra));
        }

        if (config[D.MdevType].StringOrNull is { } type && !OverrideSection.IsMdevType(type))
        {
            diagnostics.Error("Invalid mdev_type", $"\"{Shorten(type)}\" is not a vGPU type id. Use the id form \"nvidia-<number>\" (e.g. \"nvidia-46\"), or set mdev_type_name to a name such as \"GRID P40-1Q\".", AttributePath.Of(D.MdevType));
        }

        if (config[D.MdevTypeName].StringOrNull is { } name && (name.Trim().Length == 0 || name.Any(char.IsControl)))
        {
            diagnostics.Error("Invalid mdev_type_name", "Use the vGPU type name as `mdevctl types` prints it, e.g. \"GRID P40-1Q\".", AttributePath.Of(D.MdevTypeName));
        }

        if (config[D.Vmid].NumberOrNull is { } vmid && (vmid != decimal.Truncate(vmid) || vmid < 100 || vmid > 999_999_999))
        {
            diagnostics.Error("Invalid vmid", $"{vmid.ToString(CultureInfo.InvariantCulture)} is not a Proxmox VM id (a whole number from 100 to 999999999).", AttributePath.Of(D.Vmid));
        }

        if (config[D.MdevUuid].StringOrNull is { } uuid && !OverrideSection.IsMdevUuid(uuid))
        {
            var lower = uuid.ToLowerInvariant();
            var detail = OverrideSection.IsMdevUuid(lower)
                ? $"vgpu_unlock-rs matches mdev sections by the lower-case UUID. Write \"{lower}\"."
                : $"\"{Shorten(uuid)}\" is not a UUID (8-4-4-4-12 lower-case hex digits, as in /sys/bus/mdev/devices/).";
            diagnostics.Error("Invalid mdev_uuid", detail, AttributePath.Of(D.MdevUuid));
        }
    }

    private static void ValidateKey(OverrideKey key, Value value, DiagnosticBag diagnostics)
    {
        var path = AttributePath.Of(key.Name);
        switch (key.Kind)
        {
            case OverrideValueKind.Flag:
                var flag = value.AsNumber();
                if (flag is not (0 or 1))
                {
                    var detail = key == OverrideKeys.FrlEnabled
                        ? $"frl_enabled switches the frame-rate limiter off (0) or on (1); it is not a frame rate. vgpu_unlock-rs clamps {flag.ToString(CultureInfo.InvariantCulture)} to 1, which turns the limiter ON. Use 0 for no limit; to change the limit itself set frl_config (e.g. 60)."
                        : $"{key.Name} is a switch: 0 (off) or 1 (on). vgpu_unlock-rs reads it as an integer and clamps other values to 1.";
                    diagnostics.Error($"Invalid {key.Name}", detail, path);
                }

                break;
            case OverrideValueKind.Unsigned32:
            case OverrideValueKind.Unsigned64:
                var number = value.AsNumber();
                decimal max = key.Kind == OverrideValueKind.Unsigned32 ? uint.MaxValue : long.MaxValue;
                if (number != decimal.Truncate(number) || number < 0 || number > max)
                {
                    diagnostics.Error($"Invalid {key.Name}", $"{number.ToString(CultureInfo.InvariantCulture)} is not a whole number from 0 to {max.ToString(CultureInfo.InvariantCulture)}; vgpu_unlock-rs would reject the whole override and the VM would fail to start.", path);
                }

                break;
            case OverrideValueKind.ByteSize:
                var bytes = ByteSize.Parse(value.AsString(), out var error);
                if (bytes is null)
                {
                    diagnostics.Error($"Invalid {key.Name}", $"{error}. Give bytes (939524096 or 0x38000000) or a size such as \"896MiB\" or \"1GiB\".", path);
                }
                else if (bytes > long.MaxValue)
                {
                    diagnostics.Error($"Invalid {key.Name}", "The size does not fit a TOML integer.", path);
                }

                break;
            case OverrideValueKind.Text:
                var text = value.AsString();
                var length = Encoding.UTF8.GetByteCount(text);
                if (key.MaxLength is { } limit && length > limit)
                {
                    diagnostics.Error($"Invalid {key.Name}", $"The value is {length} bytes long; vgpu_unlock-rs accepts at most {limit} bytes for {key.Name} and rejects the whole override (the VM then fails to start). Shorten it.", path);
                }

                if (text.Contains('\0', StringComparison.Ordinal))
                {
                    diagnostics.Error($"Invalid {key.Name}", "The value contains a NUL character, which the driver would cut the string at. Remove it.", path);
                }

                break;
        }
    }

    private static void WarnAboutFramebuffer(Value config, DiagnosticBag diagnostics)
    {
        var framebuffer = Bytes(config[OverrideKeys.Framebuffer.Name]);
        var reservationValue = config[OverrideKeys.FramebufferReservation.Name];
        var reservation = Bytes(reservationValue);
        if (framebuffer is null || (!reservationValue.IsNull && reservation is null))
        {
            return;
        }

        var path = AttributePath.Of(OverrideKeys.Framebuffer.Name);
        if (reservationValue.IsNull)
        {
            diagnostics.Warning(
                "framebuffer is set without framebuffer_reservation",
                "The VRAM a vGPU takes is framebuffer + framebuffer_reservation, and the reservation scales with the profile size " +
                "(about 64 MiB + 64 MiB per GiB: 0x8000000 for 1 GiB, 0xC000000 for 2 GiB, 0x14000000 for 4 GiB). Changing one without the other can make the VM fail with \"error allocating framebuffer\". Set both.",
                path);
        }

        var total = framebuffer.Value + (reservation ?? TypicalReservation);
        if (total < NvencMinimum)
        {
            var assumed = reservation is null ? $" (assuming the {ByteSize.Describe(TypicalReservation)} reservation of a 1 GiB profile)" : string.Empty;
            diagnostics.Warning(
                "NVENC will be disabled for this vGPU",
                $"framebuffer {ByteSize.Describe(framebuffer.Value)} + reservation {ByteSize.Describe(reservation ?? TypicalReservation)}{assumed} = {ByteSize.Describe(total)}, below 1 GiB: NVIDIA disables the video encoder (NVENC) on vGPUs under 1 GiB. " +
                "For the smallest profile with NVENC use framebuffer = \"896MiB\" and framebuffer_reservation = \"128MiB\" (1024 - 128, the tutorial's example).",
                path);
        }
    }

    private static void WarnAboutPixels(Value config, DiagnosticBag diagnostics)
    {
        if (config[OverrideKeys.MaxPixels.Name].NumberOrNull is { } maxPixels
            && config[OverrideKeys.DisplayWidth.Name].NumberOrNull is { } width
            && config[OverrideKeys.DisplayHeight.Name].NumberOrNull is { } height
            && maxPixels < width * height)
        {
            diagnostics.Warning(
                "max_pixels is smaller than display_width x display_height",
                $"{width.ToString(CultureInfo.InvariantCulture)} x {height.ToString(CultureInfo.InvariantCulture)} = {(width * height).ToString(CultureInfo.InvariantCulture)} pixels, but max_pixels is {maxPixels.ToString(CultureInfo.InvariantCulture)}: the guest cannot use the full resolution. Leave max_pixels unset to have it computed.",
                AttributePath.Of(OverrideKeys.MaxPixels.Name));
        }
    }

    private static ulong? Bytes(Value value) => value.StringOrNull is { } s ? ByteSize.Parse(s, out _) : null;

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
