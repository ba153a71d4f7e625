using System.Collections.Immutable;
using System.Diagnostics;
using Grpc.Core;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Terraform.Cty;
using VgpuIac.Terraform.Logging;
using VgpuIac.Terraform.Planning;
using VgpuIac.Terraform.Protocol;
using VgpuIac.Terraform.Schemas;
using EngineDiagnostic = VgpuIac.Engine.Diagnostics.Diagnostic;
using EnginePath = VgpuIac.Engine.Diagnostics.AttributePath;
using Value = VgpuIac.Engine.Values.Value;
using ValueKind = VgpuIac.Engine.Values.ValueKind;

namespace VgpuIac.Terraform.Service;

/// <summary>
/// tfplugin6.Provider: decodes each request with the schema, routes it to the engine's resource or data source,
/// enforces Terraform's plan/apply rules on the way back and turns every failure into a diagnostic.
/// Exceptions are caught once here and reported as provider bugs.
/// </summary>
public sealed class ProviderService(TerraformCatalog catalog, ProviderConfigurator configurator, ProviderSession session, HclogLog log, TimeProvider time)
    : Protocol.Provider.ProviderBase
{
    private static readonly ServerCapabilities Capabilities = new() { PlanDestroy = true, GetProviderSchemaOptional = true };

    private readonly Lazy<GetProviderSchema.Types.Response> _schema = new(() => RenderSchema(catalog));

    public override Task<GetMetadata.Types.Response> GetMetadata(GetMetadata.Types.Request request, ServerCallContext context)
    {
        var response = new GetMetadata.Types.Response { ServerCapabilities = Capabilities };
        response.Resources.AddRange(catalog.Resources.Keys.Order(StringComparer.Ordinal).Select(n => new GetMetadata.Types.ResourceMetadata { TypeName = n }));
        response.DataSources.AddRange(catalog.DataSources.Keys.Order(StringComparer.Ordinal).Select(n => new GetMetadata.Types.DataSourceMetadata { TypeName = n }));
        return Task.FromResult(response);
    }

    public override Task<GetProviderSchema.Types.Response> GetProviderSchema(GetProviderSchema.Types.Request request, ServerCallContext context) =>
        Task.FromResult(_schema.Value);

    public static GetProviderSchema.Types.Response RenderSchema(TerraformCatalog catalog)
    {
        var response = new GetProviderSchema.Types.Response
        {
            Provider = ProtoSchemaRenderer.Render(catalog.ProviderBlock, catalog.ProviderDefinition.Version),
            ServerCapabilities = Capabilities,
        };
        foreach (var (name, entry) in catalog.Resources)
        {
            response.ResourceSchemas.Add(name, ProtoSchemaRenderer.Render(entry.Block, entry.Version));
        }

        foreach (var (name, entry) in catalog.DataSources)
        {
            response.DataSourceSchemas.Add(name, ProtoSchemaRenderer.Render(entry.Block, entry.Definition.Version));
        }

        return response;
    }

    public override Task<ValidateProviderConfig.Types.Response> ValidateProviderConfig(ValidateProviderConfig.Types.Request request, ServerCallContext context)
    {
        var response = new ValidateProviderConfig.Types.Response();
        return Handle(nameof(ValidateProviderConfig), null, context, response.Diagnostics, response, call =>
        {
            var config = ValueShape.MarkSensitive(WireValues.Decode(request.Config, catalog.ProviderType), catalog.ProviderBlock);
            // configurator.Validate is the engine's validation entry point for the provider block (redacting)
            call.Diagnostics.AddRange(AttributeValidation.Distinct(ConfigValidator.Validate(catalog.ProviderBlock, config).Concat(configurator.Validate(config))));
            return Task.CompletedTask;
        });
    }

    public override Task<ValidateResourceConfig.Types.Response> ValidateResourceConfig(ValidateResourceConfig.Types.Request request, ServerCallContext context)
    {
        var response = new ValidateResourceConfig.Types.Response();
        return Handle(nameof(ValidateResourceConfig), request.TypeName, context, response.Diagnostics, response, call =>
        {
            if (FindResource(request.TypeName, call) is not { } entry)
            {
                return Task.CompletedTask;
            }

            var config = ValueShape.MarkSensitive(WireValues.Decode(request.Config, entry.Type), entry.Block);
            call.Diagnostics.AddRange(AttributeValidation.Distinct(ConfigValidator.Validate(entry.Block, config).Concat(AttributeValidation.Validate(entry.Resource, ToEngine(entry, config)))));
            return Task.CompletedTask;
        });
    }

    public override Task<ValidateDataResourceConfig.Types.Response> ValidateDataResourceConfig(ValidateDataResourceConfig.Types.Request request, ServerCallContext context)
    {
        var response = new ValidateDataResourceConfig.Types.Response();
        return Handle(nameof(ValidateDataResourceConfig), request.TypeName, context, response.Diagnostics, response, call =>
        {
            if (FindDataSource(request.TypeName, call) is not { } entry)
            {
                return Task.CompletedTask;
            }

            var config = ValueShape.MarkSensitive(WireValues.Decode(request.Config, entry.Type), entry.Block);
            call.Diagnostics.AddRange(AttributeValidation.Distinct(ConfigValidator.Validate(entry.Block, config).Concat(AttributeValidation.Validate(entry.DataSource, config))));
            return Task.CompletedTask;
        });
    }

    public override Task<UpgradeResourceState.Types.Response> UpgradeResourceState(UpgradeResourceState.Types.Request request, ServerCallContext context)
    {
        var response = new UpgradeResourceState.Types.Response();
        return Handle(nameof(UpgradeResourceState), request.TypeName, context, response.Diagnostics, response, call =>
        {
            if (FindResource(request.TypeName, call) is not { } entry)
            {
                return Task.CompletedTask;
            }

            if (request.Version > entry.Version)
            {
                call.Diagnostics.Error(
                    $"Unable to read the stored state of {request.TypeName}: it was written by a newer vgpu provider",
                    $"The state holds schema version {request.Version} of {request.TypeName}, but this provider knows it only up to version {entry.Version}. " +
                    "Upgrade the provider: set the vgpu version constraint in required_providers to the release that wrote this state (or a newer one) and run `terraform init -upgrade`. " +
                    "The state was not changed.");
                return Task.CompletedTask;
            }

            if (request.RawState is null || request.RawState.Json.IsEmpty)
            {
                call.Diagnostics.Error(
                    "Unable to read the stored state",
                    "The state holds no JSON attributes (a pre-0.12 flatmap state?). Re-import the object with `terraform import`.");
                return Task.CompletedTask;
            }

            var json = request.RawState.Json.Span;
            if (request.Version < entry.Version)
            {
                var upgraded = catalog.Upgraders.Upgrade(entry.Definition, request.Version, json);
                if (upgraded is null)
                {
                    call.Diagnostics.Error(
                        $"Unable to upgrade the stored state of {request.TypeName}",
                        $"The state of schema version {request.Version} is not a JSON object. Remove it with `terraform state rm` and bring the object back with `terraform import`.");
                    return Task.CompletedTask;
                }

                call.Log.Write(LogLevel.Debug, "upgraded stored state", [KeyValuePair.Create<string, object?>("from_version", request.Version), KeyValuePair.Create<string, object?>("to_version", entry.Version)]);
                json = upgraded;
            }

            var dropped = new List<string>();
            var state = CtyJson.Decode(json, entry.Type, dropped);
            if (dropped.Count > 0)
            {
                call.Log.Write(LogLevel.Debug, "dropped attributes the current schema does not have", [KeyValuePair.Create<string, object?>("dropped", string.Join(",", dropped))]);
            }

            state = ValueShape.Conform(state, entry.Block);
            response.UpgradedState = WireValues.Encode(state, entry.Type);
            return Task.CompletedTask;
        });
    }

    public override Task<GetResourceIdentitySchemas.Types.Response> GetResourceIdentitySchemas(GetResourceIdentitySchemas.Types.Request request, ServerCallContext context) =>
        Task.FromResult(new GetResourceIdentitySchemas.Types.Response());

    public override Task<UpgradeResourceIdentity.Types.Response> UpgradeResourceIdentity(UpgradeResourceIdentity.Types.Request request, ServerCallContext context)
    {
        var response = new UpgradeResourceIdentity.Types.Response();
        response.Diagnostics.Add(Unsupported("resource identity"));
        return Task.FromResult(response);
    }

    public override Task<ConfigureProvider.Types.Response> ConfigureProvider(ConfigureProvider.Types.Request request, ServerCallContext context)
    {
        var response = new ConfigureProvider.Types.Response();
        return Handle(nameof(ConfigureProvider), null, context, response.Diagnostics, response, call =>
        {
            call.Log.Write(LogLevel.Debug, "configuring provider", [KeyValuePair.Create<string, object?>("terraform_version", request.TerraformVersion)]);
            var config = ValueShape.MarkSensitive(WireValues.Decode(request.Config, catalog.ProviderType), catalog.ProviderBlock);
            var connection = configurator.Connect(config, log);
            call.Diagnostics.AddRange(connection.Diagnostics);
            if (connection.Nodes is not null)
            {
                session.Configure(connection.Nodes);
            }

            return Task.CompletedTask;
        });
    }

    public override Task<ReadResource.Types.Response> ReadResource(ReadResource.Types.Request request, ServerCallContext context)
    {
        var response = new ReadResource.Types.Response { Private = request.Private };
        return Handle(nameof(ReadResource), request.TypeName, context, response.Diagnostics, response, async call =>
        {
            if (FindResource(request.TypeName, call) is not { } entry)
            {
                return;
            }

            var current = ValueShape.MarkSensitive(WireValues.Decode(request.CurrentState, entry.Type), entry.Block);
            if (current.IsNull)
            {
                return;
            }

            using var deadline = Deadline(call, current, "read");
            var result = await entry.Resource.ReadAsync(new ReadRequest { Context = call.Context, State = ToEngine(entry, current) }, deadline.Token).ConfigureAwait(false);
            call.Diagnostics.AddRange(result.Diagnostics);
            if (result.NewState is null)
            {
                call.Log.Write(LogLevel.Info, "object is gone from the node; removing it from state");
                return;
            }

            var state = FromEngine(entry, result.NewState, current[DoorAttributes.TimeoutsBlockName], current[DoorAttributes.IdAttributeName]);
            response.NewState = WireValues.Encode(WhollyKnown(state, call, "read"), entry.Type);
        });
    }

    public override Task<PlanResourceChange.Types.Response> PlanResourceChange(PlanResourceChange.Types.Request request, ServerCallContext context)
    {
        var response = new PlanResourceChange.Types.Response();
        return Handle(nameof(PlanResourceChange), request.TypeName, context, response.Diagnostics, response, async call =>
        {
            if (FindResource(request.TypeName, call) is not { } entry)
            {
                return;
            }

            var prior = ValueShape.MarkSensitive(WireValues.Decode(request.PriorState, entry.Type), entry.Block);
            var proposed = ValueShape.MarkSensitive(WireValues.Decode(request.ProposedNewState, entry.Type), entry.Block);
            var config = ValueShape.MarkSensitive(WireValues.Decode(request.Config, entry.Type), entry.Block);

            // Terraform plans a replacement twice: with the prior state, then as a create with no prior state and, as
            // private data, what the first call returned. The first call records the object's ID there, so the second
            // knows which object it replaces (ReplacementPrivate).
            var replacing = prior.IsNull ? ReplacementPrivate.Read(request.PriorPrivate) : null;
            if (!prior.IsNull && prior[DoorAttributes.IdAttributeName].StringOrNull is { } priorId)
            {
                response.PlannedPrivate = ReplacementPrivate.Mark(priorId);
            }

            var outcome = await PlanAsync(entry, prior, proposed, config, call, replacing).ConfigureAwait(false);
            if (outcome.Planned is { } planned)
            {
                response.PlannedState = WireValues.Encode(planned, entry.Type);
            }

            response.RequiresReplace.AddRange(outcome.RequiresReplace.Select(WireValues.ToWire));
        });
    }

    /// <summary>The door's whole planning step (public for tests): engine plan wrapped in Terraform's rules.</summary>
    public async Task<(Value? Planned, ImmutableArray<EnginePath> RequiresReplace)> PlanAsync(ResourceEntry entry, Value prior, Value proposed, Value config, RpcCall call, string? replacing = null)
    {
        if (proposed.IsNull)
        {
            // Destroy: the engine may warn or refuse; the planned state is null either way.
            var destroy = await entry.Resource.PlanAsync(
                new PlanRequest { Context = call.Context, Prior = ToEngineOrNull(entry, prior), Config = Value.Null, ProposedNewState = null },
                call.Cancellation).ConfigureAwait(false);
            call.Diagnostics.AddRange(destroy.Diagnostics);
            return (null, []);
        }

        var prepared = PlanRules.Prepare(entry.Block, prior, proposed, config, DoorOnly);
        var result = await entry.Resource.PlanAsync(
            new PlanRequest
            {
                Context = call.Context,
                Prior = ToEngineOrNull(entry, prior),
                Config = ToEngine(entry, config),
                ProposedNewState = ToEngine(entry, prepared),
                Replacing = replacing,
            },
            call.Cancellation).ConfigureAwait(false);
        call.Diagnostics.AddRange(result.Diagnostics);
        var planned = result.Planned is null
            ? prepared
            : FromEngine(entry, result.Planned, prepared[DoorAttributes.TimeoutsBlockName], prepared[DoorAttributes.IdAttributeName]);
        var corrections = new List<EnginePath>();
        planned = PlanRules.Enforce(entry.Block, prior, config, planned, corrections);
        foreach (var path in corrections)
        {
            call.Log.Write(LogLevel.Warn, "engine planned a value that differs from the configuration; planned the configured value instead",
                [KeyValuePair.Create<string, object?>("attribute", path.ToString())]);
        }

        var requiresReplace = PlanRules.RequiresReplace(entry.Block, prior, planned, result.RequiresReplace);
        return (planned, requiresReplace);
    }

    public override Task<ApplyResourceChange.Types.Response> ApplyResourceChange(ApplyResourceChange.Types.Request request, ServerCallContext context)
    {
        // the replacement mark in the planned private data is for planning only: nothing is kept in state
        var response = new ApplyResourceChange.Types.Response();
        return Handle(nameof(ApplyResourceChange), request.TypeName, context, response.Diagnostics, response, async call =>
        {
            if (FindResource(request.TypeName, call) is not { } entry)
            {
                return;
            }

            var prior = ValueShape.MarkSensitive(WireValues.Decode(request.PriorState, entry.Type), entry.Block);
            var planned = ValueShape.MarkSensitive(WireValues.Decode(request.PlannedState, entry.Type), entry.Block);
            var config = ValueShape.MarkSensitive(WireValues.Decode(request.Config, entry.Type), entry.Block);
            var newState = await ApplyAsync(entry, prior, planned, config, call).ConfigureAwait(false);
            if (!newState.IsNull)
            {
                response.NewState = WireValues.Encode(newState, entry.Type);
            }
        });
    }

    /// <summary>The door's apply step (public for tests): engine apply, then the result checked against the plan.</summary>
    public async Task<Value> ApplyAsync(ResourceEntry entry, Value prior, Value planned, Value config, RpcCall call)
    {
        var operation = prior.IsNull ? "create" : planned.IsNull ? "delete" : "update";
        using var deadline = Deadline(call, planned.IsNull ? prior : planned, operation);
        ApplyResult result;
        try
        {
            result = await entry.Resource.ApplyAsync(
                new ApplyRequest
                {
                    Context = call.Context,
                    Prior = ToEngineOrNull(entry, prior),
                    Planned = ToEngineOrNull(entry, planned),
                    Config = ToEngine(entry, config),
                },
                deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.TimedOut)
        {
            call.Diagnostics.Error(
                $"Unable to {operation} {entry.TypeName}: timed out",
                $"The {operation} did not finish within {deadline.Limit} (timeouts.{operation}). What was done so far stays on the node; raise the timeout and run apply again.",
                EnginePath.Of(DoorAttributes.TimeoutsBlockName).Attribute(operation));
            return prior;
        }

        call.Diagnostics.AddRange(result.Diagnostics);
        var failed = result.Diagnostics.Any(d => d.IsError);
        if (planned.IsNull)
        {
            // Delete: null when gone; on failure keep what the engine says is left (or the prior state).
            return failed ? (result.NewState is null ? prior : FromEngine(entry, result.NewState, prior[DoorAttributes.TimeoutsBlockName], prior[DoorAttributes.IdAttributeName])) : Value.Null;
        }

        if (result.NewState is null)
        {
            if (!failed)
            {
                call.Diagnostics.Error(
                    $"Unable to {operation} {entry.TypeName}",
                    "The engine reported success but returned no state. This is a bug in the vgpu provider; please report it.");
            }

            return prior;
        }

        var id = planned[DoorAttributes.IdAttributeName];
        if (entry.SyntheticId && !id.IsKnown)
        {
            id = SyntheticId.Compute(entry.Definition, result.NewState) is { } computed ? Value.String(computed) : Value.String(entry.Definition.Name);
        }

        var newState = FromEngine(entry, result.NewState, planned[DoorAttributes.TimeoutsBlockName], id);
        newState = WhollyKnown(newState, call, operation);
        if (!failed)
        {
            foreach (var path in PlanRules.Inconsistencies(planned, newState))
            {
                call.Diagnostics.Error(
                    $"Unable to {operation} {entry.TypeName}: the node reports a different value than planned",
                    $"After the {operation}, \"{path}\" does not have the planned value. This is a bug in the vgpu provider; please report it with the plan output.",
                    path);
            }
        }

        return newState;
    }

    public override Task<ImportResourceState.Types.Response> ImportResourceState(ImportResourceState.Types.Request request, ServerCallContext context)
    {
        var response = new ImportResourceState.Types.Response();
        return Handle(nameof(ImportResourceState), request.TypeName, context, response.Diagnostics, response, async call =>
        {
            if (FindResource(request.TypeName, call) is not { } entry)
            {
                return;
            }

            using var deadline = Deadline(call, Value.Null, "read");
            var result = await entry.Resource.ImportAsync(new ImportRequest { Context = call.Context, Id = request.Id }, deadline.Token).ConfigureAwait(false);
            call.Diagnostics.AddRange(result.Diagnostics);
            if (result.State is null)
            {
                if (!result.Diagnostics.Any(d => d.IsError))
                {
                    call.Diagnostics.Error($"Unable to import {entry.TypeName}", $"Nothing was found for the ID \"{request.Id}\". Expected format: {entry.Definition.ImportIdFormat ?? "see the documentation"}.");
                }

                return;
            }

            var id = Value.String(SyntheticId.Compute(entry.Definition, result.State) ?? request.Id);
            var state = WhollyKnown(FromEngine(entry, result.State, Value.Null, id), call, "import");
            response.ImportedResources.Add(new ImportResourceState.Types.ImportedResource
            {
                TypeName = request.TypeName,
                State = WireValues.Encode(state, entry.Type),
            });
        });
    }

    public override Task<MoveResourceState.Types.Response> MoveResourceState(MoveResourceState.Types.Request request, ServerCallContext context)
    {
        var response = new MoveResourceState.Types.Response();
        response.Diagnostics.Add(Unsupported("moving resources between types (moved blocks across types)"));
        return Task.FromResult(response);
    }

    public override Task<ReadDataSource.Types.Response> ReadDataSource(ReadDataSource.Types.Request request, ServerCallContext context)
    {
        var response = new ReadDataSource.Types.Response();
        return Handle(nameof(ReadDataSource), request.TypeName, context, response.Diagnostics, response, async call =>
        {
            if (FindDataSource(request.TypeName, call) is not { } entry)
            {
                return;
            }

            var config = ValueShape.MarkSensitive(WireValues.Decode(request.Config, entry.Type), entry.Block);
            var result = await entry.DataSource.ReadAsync(new DataSourceReadRequest { Context = call.Context, Config = config }, call.Cancellation).ConfigureAwait(false);
            call.Diagnostics.AddRange(result.Diagnostics);
            if (result.State is null)
            {
                if (!result.Diagnostics.Any(d => d.IsError))
                {
                    call.Diagnostics.Error($"Unable to read {entry.TypeName}", "The engine returned no data. This is a bug in the vgpu provider; please report it.");
                }

                return;
            }

            var state = ValueShape.Conform(result.State, entry.Block);
            state = PlanRules.Enforce(entry.Block, Value.Null, config, state);
            response.State = WireValues.Encode(WhollyKnown(state, call, "read"), entry.Type);
        });
    }

    public override Task<ValidateEphemeralResourceConfig.Types.Response> ValidateEphemeralResourceConfig(ValidateEphemeralResourceConfig.Types.Request request, ServerCallContext context)
    {
        var response = new ValidateEphemeralResourceConfig.Types.Response();
        response.Diagnostics.Add(Unsupported($"ephemeral resources ({request.TypeName})"));
        return Task.FromResult(response);
    }

    public override Task<OpenEphemeralResource.Types.Response> OpenEphemeralResource(OpenEphemeralResource.Types.Request request, ServerCallContext context)
    {
        var response = new OpenEphemeralResource.Types.Response();
        response.Diagnostics.Add(Unsupported($"ephemeral resources ({request.TypeName})"));
        return Task.FromResult(response);
    }

    public override Task<RenewEphemeralResource.Types.Response> RenewEphemeralResource(RenewEphemeralResource.Types.Request request, ServerCallContext context)
    {
        var response = new RenewEphemeralResource.Types.Response();
        response.Diagnostics.Add(Unsupported($"ephemeral resources ({request.TypeName})"));
        return Task.FromResult(response);
    }

    public override Task<CloseEphemeralResource.Types.Response> CloseEphemeralResource(CloseEphemeralResource.Types.Request request, ServerCallContext context)
    {
        var response = new CloseEphemeralResource.Types.Response();
        response.Diagnostics.Add(Unsupported($"ephemeral resources ({request.TypeName})"));
        return Task.FromResult(response);
    }

    public override Task<GetFunctions.Types.Response> GetFunctions(GetFunctions.Types.Request request, ServerCallContext context) =>
        Task.FromResult(new GetFunctions.Types.Response());

    public override Task<CallFunction.Types.Response> CallFunction(CallFunction.Types.Request request, ServerCallContext context) =>
        Task.FromResult(new CallFunction.Types.Response { Error = new FunctionError { Text = $"The vgpu provider has no function \"{request.Name}\"." } });

    public override Task<StopProvider.Types.Response> StopProvider(StopProvider.Types.Request request, ServerCallContext context)
    {
        log.Write(LogLevel.Info, "StopProvider: cancelling operations in flight", [KeyValuePair.Create<string, object?>("tf_rpc", nameof(StopProvider))]);
        session.Stop();
        return Task.FromResult(new StopProvider.Types.Response());
    }

    // ---- plumbing ----------------------------------------------------------------------------

    private static readonly IReadOnlySet<string> DoorOnly = new HashSet<string>(StringComparer.Ordinal) { DoorAttributes.TimeoutsBlockName };

    /// <summary>Runs one RPC body: logging, cancellation, and the single place exceptions become diagnostics.</summary>
    private async Task<TResponse> Handle<TResponse>(
        string rpc, string? typeName, ServerCallContext context,
        Google.Protobuf.Collections.RepeatedField<Protocol.Diagnostic> diagnostics, TResponse response, Func<RpcCall, Task> body)
    {
        var callLog = typeName is null
            ? log.With(KeyValuePair.Create<string, object?>("tf_rpc", rpc))
            : log.With(KeyValuePair.Create<string, object?>("tf_rpc", rpc), KeyValuePair.Create<string, object?>("tf_resource_type", typeName));
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(session.StopToken, context.CancellationToken);
        var call = new RpcCall
        {
            Log = callLog,
            Cancellation = cancellation.Token,
            Context = new ResourceContext { Nodes = session.Nodes, Log = callLog, Time = time },
        };
        var started = Stopwatch.GetTimestamp();
        callLog.Write(LogLevel.Trace, "received request");
        try
        {
            await body(call).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            call.Diagnostics.Error(
                "Operation cancelled",
                "Terraform asked the provider to stop (interrupt) before this operation finished. What was already done on the node stays done; run the command again to continue.");
        }
        catch (OperationCanceledException)
        {
            call.Diagnostics.Error(
                "Operation timed out",
                "The operation did not finish within the limit set in the resource's `timeouts` block. What was already done on the node stays done; raise the timeout and run the command again.");
        }
        catch (CtyFormatException e)
        {
            callLog.Write(LogLevel.Error, "value does not match the schema", [KeyValuePair.Create<string, object?>("error", e.Message)]);
            call.Diagnostics.Error(
                "Unable to decode a value from Terraform",
                $"{e.Message}. This usually means Terraform and the provider disagree about the schema (a cached schema from another provider version?). Run `terraform init -upgrade`; if it persists, please report it as a bug in the vgpu provider.");
        }
#pragma warning disable CA1031 // The one catch-all at the RPC boundary: a bug becomes a diagnostic instead of a crashed plugin.
        catch (Exception e)
#pragma warning restore CA1031
        {
            callLog.Write(LogLevel.Error, "unexpected error", [KeyValuePair.Create<string, object?>("error_type", e.GetType().FullName), KeyValuePair.Create<string, object?>("stack", e.StackTrace)]);
            call.Diagnostics.Error(
                $"Unexpected error in the vgpu provider ({rpc})",
                $"{e.GetType().Name}: {e.Message}\n\nThis is a bug in the vgpu provider. Please report it, with TF_LOG_PROVIDER=debug output if you can.");
        }

        diagnostics.AddRange(call.Diagnostics.Distinct().Select(WireValues.ToWire));
        callLog.Write(LogLevel.Debug, "served request", [
            KeyValuePair.Create<string, object?>("tf_req_duration_ms", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds),
            KeyValuePair.Create<string, object?>("diagnostic_error_count", call.Diagnostics.Count(d => d.IsError)),
            KeyValuePair.Create<string, object?>("diagnostic_warning_count", call.Diagnostics.Count(d => !d.IsError))]);
        return response;
    }

    private ResourceEntry? FindResource(string typeName, RpcCall call)
    {
        if (catalog.Resources.TryGetValue(typeName, out var entry))
        {
            return entry;
        }

        call.Diagnostics.Error("Unknown resource type", $"The vgpu provider has no resource type \"{typeName}\". Known types: {string.Join(", ", catalog.Resources.Keys.Order(StringComparer.Ordinal))}.");
        return null;
    }

    private DataSourceEntry? FindDataSource(string typeName, RpcCall call)
    {
        if (catalog.DataSources.TryGetValue(typeName, out var entry))
        {
            return entry;
        }

        call.Diagnostics.Error("Unknown data source type", $"The vgpu provider has no data source \"{typeName}\". Known data sources: {string.Join(", ", catalog.DataSources.Keys.Order(StringComparer.Ordinal))}.");
        return null;
    }

    /// <summary>A Terraform value without the door's additions (timeouts, synthetic id), as the engine defines it.</summary>
    private static Value ToEngine(ResourceEntry entry, Value value) =>
        entry.SyntheticId
            ? ValueShape.Without(value, DoorAttributes.TimeoutsBlockName, DoorAttributes.IdAttributeName)
            : ValueShape.Without(value, DoorAttributes.TimeoutsBlockName);

    private static Value? ToEngineOrNull(ResourceEntry entry, Value value) => value.IsNull ? null : ToEngine(entry, value);

    /// <summary>An engine value in Terraform's shape: every attribute present, plus the door's timeouts (and id).</summary>
    private static Value FromEngine(ResourceEntry entry, Value engineValue, Value timeouts, Value id)
    {
        var shaped = ValueShape.Conform(engineValue, entry.Block).With(DoorAttributes.TimeoutsBlockName, timeouts);
        return entry.SyntheticId ? shaped.With(DoorAttributes.IdAttributeName, id) : shaped;
    }

    private static Value WhollyKnown(Value state, RpcCall call, string operation)
    {
        var known = ValueShape.NullUnknowns(state, out var found);
        if (found)
        {
            call.Diagnostics.Error(
                $"Unable to {operation}: the result holds unknown values",
                "Some attributes were still unknown after the operation; they were saved as null. This is a bug in the vgpu provider; please report it.");
        }

        return known;
    }

    private static Protocol.Diagnostic Unsupported(string feature) => WireValues.ToWire(EngineDiagnostic.Error(
        "Unsupported feature",
        $"The vgpu provider does not support {feature}."));

    private OperationDeadline Deadline(RpcCall call, Value state, string operation)
    {
        var text = state.Kind == ValueKind.Object && state[DoorAttributes.TimeoutsBlockName] is { Kind: ValueKind.Object } timeouts
            ? timeouts[operation].StringOrNull
            : null;
        TimeSpan? limit = text is not null && GoDuration.TryParse(text, out var parsed) && parsed > TimeSpan.Zero ? parsed : null;
        return new OperationDeadline(call.Cancellation, limit, time);
    }
}
