using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Values;
using VgpuIac.Pulumi.Component;
using VgpuIac.Pulumi.Logging;
using VgpuIac.Pulumi.Model;
using VgpuIac.Pulumi.PropertyValues;
using VgpuIac.Pulumi.Rpc;
using VgpuIac.Pulumi.Schema;
using EngineValue = VgpuIac.Engine.Values.Value;
using ReadRequest = VgpuIac.Engine.Resources.ReadRequest;
using ReadResponse = VgpuIac.Pulumi.Rpc.ReadResponse;

namespace VgpuIac.Pulumi.Provider;

/// <summary>
/// <c>pulumirpc.ResourceProvider</c> over the engine: every RPC decodes property values with <see cref="PropertyCodec"/>,
/// routes by type token through <see cref="ProviderCatalog"/> and calls the engine's IResource / IDataSource.
/// Previews only ever call PlanAsync; ApplyAsync never sees an unknown value. RPCs not declared in our
/// provider.proto (Parameterize, Call, List, GetMapping(s)) answer UNIMPLEMENTED.
/// </summary>
public sealed class VgpuResourceProvider : ResourceProvider.ResourceProviderBase
{
    private readonly ProviderRuntime _runtime;
    private readonly ProviderCatalog _catalog;
    private readonly VgpuNodeConstructor _constructor;
    private readonly Lazy<string> _schema;

    public VgpuResourceProvider(ProviderRuntime runtime, ProviderCatalog catalog)
    {
        _runtime = runtime;
        _catalog = catalog;
        _constructor = new VgpuNodeConstructor(catalog.Component, runtime.Log);
        _schema = new Lazy<string>(() => PulumiSchema.Render(catalog.Provider.Definition, catalog.ResourceList, catalog.DataSourceList));
    }

    public override Task<ProviderHandshakeResponse> Handshake(ProviderHandshakeRequest request, ServerCallContext context)
    {
        if (request.EngineAddress.Length > 0)
        {
            _runtime.Log.Address = request.EngineAddress;
        }

        return Task.FromResult(new ProviderHandshakeResponse { AcceptSecrets = true, AcceptResources = true, AcceptOutputs = false });
    }

    public override Task<Empty> Attach(PluginAttach request, ServerCallContext context)
    {
        _runtime.Log.Address = request.Address;
        return Task.FromResult(new Empty());
    }

    public override Task<PluginInfo> GetPluginInfo(Empty request, ServerCallContext context) =>
        Task.FromResult(new PluginInfo { Version = PulumiSchema.Version });

    public override Task<GetSchemaResponse> GetSchema(GetSchemaRequest request, ServerCallContext context) =>
        Task.FromResult(new GetSchemaResponse { Schema = _schema.Value });

    public override Task<Empty> Cancel(Empty request, ServerCallContext context)
    {
        _runtime.Cancel();
        return Task.FromResult(new Empty());
    }

    public override Task<CheckResponse> CheckConfig(CheckRequest request, ServerCallContext context)
    {
        var failures = new List<PropertyFailure>();
        var config = DecodeConfig(request.News, failures);
        var response = new CheckResponse { Inputs = request.News ?? new Struct() };
        response.Failures.AddRange(failures.Select(f => new CheckFailure { Property = f.Path, Reason = f.Reason }));
        if (failures.Count == 0 && config.IsWhollyKnown)
        {
            // Static checks only: a key or known_hosts file may be written between check and configure
            // (Configure reads the files and says which one is missing).
            var diagnostics = ProviderConfiguration.Validate(config, _runtime.GetEnv);
            response.Failures.AddRange(diagnostics.Where(d => d.IsError).Select(RpcFailures.ToCheckFailure));
            Warn(diagnostics, request.Urn);
        }

        return Task.FromResult(response);
    }

    public override Task<DiffResponse> DiffConfig(DiffRequest request, ServerCallContext context)
    {
        // A provider replacement would replace every resource it manages: changed nodes or credentials never replace.
        var failures = new List<PropertyFailure>();
        var olds = DecodeConfig(request.OldInputs is { Fields.Count: > 0 } ? request.OldInputs : request.Olds, failures);
        var news = DecodeConfig(request.News, failures);
        var changed = DiffCalculator.ChangedInputs(_catalog.Provider, olds, news, request.IgnoreChanges);
        return Task.FromResult(DiffCalculator.Build(_catalog.Provider, olds, news, changed, [], deleteBeforeReplace: false));
    }

    public override Task<ConfigureResponse> Configure(ConfigureRequest request, ServerCallContext context)
    {
        var failures = new List<PropertyFailure>();
        var config = DecodeConfig(request.Args, failures);
        if (failures.Count > 0)
        {
            throw RpcFailures.InvalidInputs(failures);
        }

        if (config.IsWhollyKnown)
        {
            var (settings, diagnostics) = ProviderConfiguration.Parse(config, _runtime.GetEnv);
            Warn(diagnostics, request.HasUrn ? request.Urn : string.Empty);
            if (settings is null || diagnostics.Any(d => d.IsError))
            {
                throw RpcFailures.Error(StatusCode.FailedPrecondition, diagnostics.Where(d => d.IsError));
            }

            _runtime.Configure(settings);
        }

        return Task.FromResult(new ConfigureResponse { AcceptSecrets = true, AcceptResources = true, AcceptOutputs = false, SupportsPreview = true });
    }

    public override Task<CheckResponse> Check(CheckRequest request, ServerCallContext context)
    {
        var route = Route(request.Type, request.Urn);
        var model = route.Model;
        var failures = new List<PropertyFailure>();
        var config = WithId(model, PropertyCodec.DecodeObject(request.News, model.Shape, DecodeMode.Strict, failures, inputsOnly: true), null);
        foreach (var p in model.Inputs.Where(p => p.IsRequired && config[p.Name].IsNull && !config[p.Name].IsSensitive))
        {
            failures.Add(new(p.CamelName, $"missing required property \"{p.CamelName}\""));
        }

        var response = new CheckResponse { Inputs = request.News?.Clone() ?? new Struct() };
        response.Failures.AddRange(failures.Select(f => new CheckFailure { Property = f.Path, Reason = f.Reason }));
        if (failures.Count == 0)
        {
            var diagnostics = Validate(route, config).ToList();
            response.Failures.AddRange(diagnostics.Where(d => d.IsError).Select(RpcFailures.ToCheckFailure));
            Warn(diagnostics, request.Urn);
        }

        foreach (var p in model.Inputs.Where(p => p.Default is { IsNull: false } && !response.Inputs.Fields.ContainsKey(p.CamelName)))
        {
            response.Inputs.Fields[p.CamelName] = PropertyCodec.Encode(p.Default!, p.Type);
        }

        return Task.FromResult(response);
    }

    public override async Task<DiffResponse> Diff(DiffRequest request, ServerCallContext context)
    {
        var route = Route(request.Type, request.Urn);
        var model = route.Model;
        var prior = DecodeState(model, request.Olds, request.Id);
        var news = DecodeInputs(model, request.News, request.Id);
        var oldInputs = request.OldInputs is { Fields.Count: > 0 } ? DecodeInputs(model, request.OldInputs, request.Id) : prior;
        var changed = DiffCalculator.ChangedInputs(model, oldInputs, news, request.IgnoreChanges);

        // The engine's plan runs even when no input changed: the node may have drifted from what the last refresh
        // read (a file's mode, a drop-in removed by hand, a stopped container), and only the plan knows what the
        // apply would repair. An output it plans differently from the refreshed state is a diff, as in Terraform.
        using var cts = _runtime.Link(context);
        var plan = await route.Resource.PlanAsync(
            new PlanRequest { Context = _runtime.Context(request.Urn), Prior = prior, Config = news, ProposedNewState = Proposed(route, news, prior) },
            cts.Token).ConfigureAwait(false);
        Throw(plan.Diagnostics, request.Urn, "plan");
        var replacePaths = plan.RequiresReplace.Select(PropertyPath.From).ToList();
        var drift = DiffCalculator.PlannedDrift(model, prior, plan.Planned, changed, request.IgnoreChanges);
        return DiffCalculator.Build(model, oldInputs, news, changed, replacePaths, route.Resource.Definition.DeleteBeforeReplace, drift);
    }

    public override async Task<CreateResponse> Create(CreateRequest request, ServerCallContext context)
    {
        var route = Route(request.Type, request.Urn);
        var model = route.Model;
        var config = DecodeInputs(model, request.Properties, null);
        var secrets = PropertyCodec.SecretProperties(request.Properties);
        using var cts = _runtime.Link(context, request.Timeout);
        var ctx = _runtime.Context(request.Urn);
        var plan = await route.Resource.PlanAsync(new PlanRequest { Context = ctx, Prior = null, Config = config, ProposedNewState = config }, cts.Token).ConfigureAwait(false);
        Throw(plan.Diagnostics, request.Urn, "plan");
        var planned = plan.Planned ?? config;
        if (request.Preview)
        {
            return new CreateResponse { Properties = PropertyCodec.EncodeObject(planned, model.Shape, secrets) };
        }

        RequireKnown(config, "create");
        var apply = await route.Resource.ApplyAsync(new ApplyRequest { Context = ctx, Prior = null, Planned = planned, Config = config }, cts.Token).ConfigureAwait(false);
        Warn(apply.Diagnostics, request.Urn);
        if (apply.Diagnostics.Any(d => d.IsError))
        {
            if (apply.NewState is { } partial && IdOf(route, partial) is { Length: > 0 } partialId)
            {
                throw RpcFailures.InitFailed(partialId, PropertyCodec.EncodeObject(partial, model.Shape, secrets), request.Properties ?? new Struct(), apply.Diagnostics.Where(d => d.IsError));
            }

            throw RpcFailures.Error(StatusCode.Unknown, apply.Diagnostics.Where(d => d.IsError));
        }

        var state = apply.NewState ?? throw new RpcException(new Grpc.Core.Status(StatusCode.Internal, $"{model.Token}: create returned no state"));
        var id = IdOf(route, state);
        if (string.IsNullOrEmpty(id))
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.Internal, $"{model.Token}: create returned no id"));
        }

        return new CreateResponse { Id = id, Properties = PropertyCodec.EncodeObject(state, model.Shape, secrets) };
    }

    public override async Task<ReadResponse> Read(Rpc.ReadRequest request, ServerCallContext context)
    {
        var route = Route(request.Type, request.Urn);
        var model = route.Model;
        using var cts = _runtime.Link(context, request.Timeout);
        var ctx = _runtime.Context(request.Urn);
        var secrets = PropertyCodec.SecretProperties(request.Properties);
        secrets.UnionWith(PropertyCodec.SecretProperties(request.Inputs));
        if (request.Properties is null || request.Properties.Fields.Count == 0)
        {
            // Import: only the id is known.
            var imported = await route.Resource.ImportAsync(new ImportRequest { Context = ctx, Id = request.Id }, cts.Token).ConfigureAwait(false);
            Throw(imported.Diagnostics, request.Urn, "import");
            var importedState = imported.State ?? throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, $"Unable to import {model.Token} \"{request.Id}\": nothing with that id on the node."));
            return new ReadResponse
            {
                Id = IdOf(route, importedState) is { Length: > 0 } importedId ? importedId : request.Id,
                Properties = PropertyCodec.EncodeObject(importedState, model.Shape, secrets),
                Inputs = PropertyCodec.EncodeObject(importedState, model.Shape, secrets, inputsOnly: true),
            };
        }

        var prior = DecodeState(model, request.Properties, request.Id);
        var read = await route.Resource.ReadAsync(new ReadRequest { Context = ctx, State = prior }, cts.Token).ConfigureAwait(false);
        Throw(read.Diagnostics, request.Urn, "read");
        if (read.NewState is not { } state)
        {
            return new ReadResponse();
        }

        var response = new ReadResponse
        {
            Id = IdOf(route, state) is { Length: > 0 } id ? id : request.Id,
            Properties = PropertyCodec.EncodeObject(state, model.Shape, secrets),
        };
        if (request.Inputs is { Fields.Count: > 0 })
        {
            // Inputs the user set follow what the node says, so drift shows as a diff on the next update.
            var inputs = request.Inputs.Clone();
            var fromState = PropertyCodec.EncodeObject(state, model.Shape, secrets, inputsOnly: true);
            foreach (var key in request.Inputs.Fields.Keys.Where(k => !k.StartsWith("__", StringComparison.Ordinal)))
            {
                if (fromState.Fields.TryGetValue(key, out var v))
                {
                    inputs.Fields[key] = v;
                }
            }

            response.Inputs = inputs;
        }

        return response;
    }

    public override async Task<UpdateResponse> Update(UpdateRequest request, ServerCallContext context)
    {
        var route = Route(request.Type, request.Urn);
        var model = route.Model;
        var prior = DecodeState(model, request.Olds, request.Id);
        var config = DecodeInputs(model, request.News, request.Id);
        var secrets = PropertyCodec.SecretProperties(request.News);
        using var cts = _runtime.Link(context, request.Timeout);
        var ctx = _runtime.Context(request.Urn);
        var plan = await route.Resource.PlanAsync(new PlanRequest { Context = ctx, Prior = prior, Config = config, ProposedNewState = Proposed(route, config, prior) }, cts.Token).ConfigureAwait(false);
        Throw(plan.Diagnostics, request.Urn, "plan");
        var planned = plan.Planned ?? Proposed(route, config, prior);
        if (request.Preview)
        {
            return new UpdateResponse { Properties = PropertyCodec.EncodeObject(planned, model.Shape, secrets) };
        }

        RequireKnown(config, "update");
        var apply = await route.Resource.ApplyAsync(new ApplyRequest { Context = ctx, Prior = prior, Planned = planned, Config = config }, cts.Token).ConfigureAwait(false);
        Warn(apply.Diagnostics, request.Urn);
        if (apply.Diagnostics.Any(d => d.IsError))
        {
            if (apply.NewState is { } partial)
            {
                throw RpcFailures.InitFailed(request.Id, PropertyCodec.EncodeObject(partial, model.Shape, secrets), request.News ?? new Struct(), apply.Diagnostics.Where(d => d.IsError));
            }

            throw RpcFailures.Error(StatusCode.Unknown, apply.Diagnostics.Where(d => d.IsError));
        }

        var state = apply.NewState ?? planned;
        return new UpdateResponse { Properties = PropertyCodec.EncodeObject(state, model.Shape, secrets) };
    }

    public override async Task<Empty> Delete(DeleteRequest request, ServerCallContext context)
    {
        var route = Route(request.Type, request.Urn);
        var prior = DecodeState(route.Model, request.Properties, request.Id);
        using var cts = _runtime.Link(context, request.Timeout);
        var apply = await route.Resource.ApplyAsync(
            new ApplyRequest { Context = _runtime.Context(request.Urn), Prior = prior, Planned = null, Config = prior },
            cts.Token).ConfigureAwait(false);
        Warn(apply.Diagnostics, request.Urn);
        if (apply.Diagnostics.Any(d => d.IsError))
        {
            throw RpcFailures.Error(StatusCode.Unknown, apply.Diagnostics.Where(d => d.IsError));
        }

        return new Empty();
    }

    public override async Task<InvokeResponse> Invoke(InvokeRequest request, ServerCallContext context)
    {
        if (!_catalog.Functions.TryGetValue(request.Tok, out var route))
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"unknown function {request.Tok}; this provider has: {string.Join(", ", _catalog.Functions.Keys)}"));
        }

        var model = route.Model;
        var failures = new List<PropertyFailure>();
        var args = WithId(model, PropertyCodec.DecodeObject(request.Args, model.Shape, DecodeMode.Strict, failures, inputsOnly: true), null);
        var response = new InvokeResponse();
        foreach (var p in model.Inputs.Where(p => p.IsRequired && args[p.Name].IsNull))
        {
            failures.Add(new(p.CamelName, $"missing required argument \"{p.CamelName}\""));
        }

        response.Failures.AddRange(failures.Select(f => new CheckFailure { Property = f.Path, Reason = f.Reason }));
        // the engine's one validation entry point: validators and the function's own checks, no secret in any message
        var validation = Engine.Schema.AttributeValidation.Validate(route.DataSource, args).ToList();
        response.Failures.AddRange(validation.Where(d => d.IsError).Select(RpcFailures.ToCheckFailure));
        if (response.Failures.Count > 0)
        {
            return response;
        }

        Warn(validation, string.Empty);
        using var cts = _runtime.Link(context);
        var read = await route.DataSource.ReadAsync(new DataSourceReadRequest { Context = _runtime.Context(string.Empty), Config = args }, cts.Token).ConfigureAwait(false);
        var readDiagnostics = Engine.Schema.AttributeValidation.Redact(read.Diagnostics, route.DataSource.Definition, args).ToList();
        Warn(readDiagnostics, string.Empty);
        response.Failures.AddRange(readDiagnostics.Where(d => d.IsError).Select(RpcFailures.ToCheckFailure));
        if (read.State is { } state)
        {
            response.Return = PropertyCodec.EncodeObject(state, model.Shape, PropertyCodec.SecretProperties(request.Args));
        }

        return response;
    }

    public override Task<ConstructResponse> Construct(ConstructRequest request, ServerCallContext context)
    {
        if (request.Type != VgpuNodeShape.Token)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"unknown component {request.Type}; this provider has {VgpuNodeShape.Token}"));
        }

        return _constructor.ConstructAsync(request, _runtime.Cancelled, context.CancellationToken);
    }

    private ResourceRoute Route(string type, string urn) =>
        _catalog.FindResource(type, urn) ?? throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument,
            $"unknown resource type {(type.Length > 0 ? type : ProviderCatalog.TypeOfUrn(urn))}; this provider has: {string.Join(", ", _catalog.Resources.Keys)}"));

    private EngineValue DecodeConfig(Struct? config, List<PropertyFailure> failures)
    {
        Struct? filtered = null;
        if (config is not null)
        {
            // Provider config may carry the plugin version and internal keys; they are not settings.
            filtered = new Struct();
            foreach (var (key, value) in config.Fields.Where(kv => kv.Key != "version"))
            {
                filtered.Fields[key] = value;
            }
        }

        return PropertyCodec.DecodeObject(filtered, _catalog.Provider.Shape, DecodeMode.Config, failures, inputsOnly: true);
    }

    private static EngineValue DecodeInputs(PulumiDefinition model, Struct? inputs, string? id)
    {
        var failures = new List<PropertyFailure>();
        var value = PropertyCodec.DecodeObject(inputs, model.Shape, DecodeMode.Strict, failures);
        if (failures.Count > 0)
        {
            throw RpcFailures.InvalidInputs(failures);
        }

        return WithId(model, value, id);
    }

    private EngineValue DecodeState(PulumiDefinition model, Struct? state, string id)
    {
        var failures = new List<PropertyFailure>();
        var value = PropertyCodec.DecodeObject(state, model.Shape, DecodeMode.Strict, failures);
        foreach (var f in failures)
        {
            _runtime.Log.Debug($"state of {model.Token} \"{id}\": ignoring {f.Path}: {f.Reason}");
        }

        return WithId(model, value, id);
    }

    private static EngineValue WithId(PulumiDefinition model, EngineValue value, string? id) =>
        model.HasIdAttribute ? value.With(PulumiDefinition.IdAttribute, string.IsNullOrEmpty(id) ? EngineValue.Null : EngineValue.String(id)) : value;

    private static string? IdOf(ResourceRoute route, EngineValue state)
    {
        if (route.Model.HasIdAttribute)
        {
            return state[PulumiDefinition.IdAttribute].StringOrNull;
        }

        var node = state[ProviderSchema.NodeAttribute.Name].StringOrNull;
        return node is null ? route.Resource.Definition.Name : $"{node}/{route.Resource.Definition.Name}";
    }

    /// <summary>The configuration merged with prior computed values (Terraform's proposed new state).</summary>
    private static EngineValue Proposed(ResourceRoute route, EngineValue config, EngineValue prior)
    {
        var result = config;
        foreach (var a in route.Resource.Definition.Attributes.Where(a => a.IsComputed))
        {
            if (config[a.Name].IsNull)
            {
                result = result.With(a.Name, prior[a.Name]);
            }
        }

        return result;
    }

    /// <summary>The engine's validation entry point (attribute validators and the resource's checks, secrets redacted).</summary>
    private static IEnumerable<Diagnostic> Validate(ResourceRoute route, EngineValue config) => Engine.Schema.AttributeValidation.Validate(route.Resource, config);

    private static void RequireKnown(EngineValue config, string operation)
    {
        if (!config.IsWhollyKnown)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"cannot {operation} with unknown inputs outside a preview"));
        }
    }

    private void Throw(IEnumerable<Diagnostic> diagnostics, string urn, string operation)
    {
        var list = diagnostics.ToList();
        Warn(list, urn);
        if (list.Any(d => d.IsError))
        {
            _runtime.Log.Debug($"{operation} of {urn} failed");
            throw RpcFailures.Error(StatusCode.Unknown, list.Where(d => d.IsError));
        }
    }

    private void Warn(IEnumerable<Diagnostic> diagnostics, string urn)
    {
        var log = new PulumiEngineLog(_runtime.Log, urn);
        foreach (var d in diagnostics.Where(d => !d.IsError))
        {
            log.Write(Engine.Logging.LogLevel.Warn, RpcFailures.Describe(d));
        }
    }
}
