using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using VgpuIac.Engine.Nodes;
using VgpuIac.Pulumi.Logging;
using VgpuIac.Pulumi.PropertyValues;
using VgpuIac.Pulumi.Provider;
using VgpuIac.Pulumi.Rpc;
using VgpuIac.Pulumi.Schema;
using ProtoValue = Google.Protobuf.WellKnownTypes.Value;

namespace VgpuIac.Pulumi.Component;

/// <summary>
/// Construct for <c>vgpu:index:VgpuNode</c>: registers the component, then its children through the engine's
/// ResourceMonitor (parented to the component, named <c>&lt;name&gt;-&lt;kind&gt;[-&lt;key&gt;]</c>, in dependency order:
/// driver, unlock, profile overrides, then guests; the licence server alongside), and returns the outputs.
/// It has no side effects of its own: it never reaches the node; all work happens in the children's Create/Update.
/// Inputs are passed to the children as they arrived, so secrets and unknowns stay intact.
/// </summary>
public sealed class VgpuNodeConstructor
{
    private static readonly (string GuestInput, string LicenseServerOutput)[] GuestWiring = [("license_token", "client_token")];

    private readonly VgpuNodeShape _shape;
    private readonly EngineLogSink _log;

    public VgpuNodeConstructor(VgpuNodeShape shape, EngineLogSink log)
    {
        _shape = shape;
        _log = log;
    }

    public async Task<ConstructResponse> ConstructAsync(ConstructRequest request, CancellationToken root, CancellationToken call)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckInputs(request.Inputs);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(root, call);
        using var channel = GrpcChannel.ForAddress(WithScheme(request.MonitorEndpoint), new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 400 * 1024 * 1024,
            MaxSendMessageSize = 400 * 1024 * 1024,
        });
        var monitor = new ResourceMonitor.ResourceMonitorClient(channel);
        var run = new Run(this, request, monitor, cts.Token);
        return await run.ExecuteAsync().ConfigureAwait(false);
    }

    private void CheckInputs(Struct? inputs)
    {
        var failures = new List<PropertyFailure>();
        PropertyCodec.DecodeObject(inputs, _shape.Inputs, DecodeMode.Strict, failures, inputsOnly: true);
        if (failures.Count > 0)
        {
            throw RpcFailures.InvalidInputs(failures);
        }
    }

    private static string WithScheme(string address) => address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address;

    private static ProtoValue Unknown() => ProtoValue.ForString(Sentinels.Unknown);

    /// <summary>One Construct call.</summary>
    private sealed class Run
    {
        private readonly VgpuNodeConstructor _owner;
        private readonly ConstructRequest _request;
        private readonly ResourceMonitor.ResourceMonitorClient _monitor;
        private readonly CancellationToken _cancel;
        private readonly List<string> _childUrns = [];
        private string _componentUrn = string.Empty;

        public Run(VgpuNodeConstructor owner, ConstructRequest request, ResourceMonitor.ResourceMonitorClient monitor, CancellationToken cancel)
        {
            _owner = owner;
            _request = request;
            _monitor = monitor;
            _cancel = cancel;
        }

        private Struct Inputs => _request.Inputs ?? new Struct();

        public async Task<ConstructResponse> ExecuteAsync()
        {
            var component = await _monitor.RegisterResourceAsync(ComponentRegistration(), cancellationToken: _cancel).ConfigureAwait(false);
            _componentUrn = component.Urn;
            new PulumiEngineLog(_owner._log, _componentUrn).Write(Engine.Logging.LogLevel.Debug, $"constructing {_request.Type} {_request.Name} (dryRun={_request.DryRun})");

            var kinds = _owner._shape.Children.ToDictionary(c => c.Resource.Definition.Name, StringComparer.Ordinal);
            var licenseServer = kinds.TryGetValue("dls_license_server", out var dlsKind)
                ? RegisterAllAsync(dlsKind, [], null)
                : Task.FromResult<IReadOnlyList<Registered>>([]);
            var chain = new List<string>();
            foreach (var name in new[] { "host_driver", "unlock" })
            {
                if (kinds.TryGetValue(name, out var kind))
                {
                    var registered = await RegisterAllAsync(kind, chain, null).ConfigureAwait(false);
                    chain.AddRange(registered.Select(r => r.Urn));
                }
            }

            if (kinds.TryGetValue("profile_override", out var overrideKind))
            {
                var overrides = await RegisterAllAsync(overrideKind, [.. chain], null).ConfigureAwait(false);
                chain.AddRange(overrides.Select(r => r.Urn));
            }

            var dls = await licenseServer.ConfigureAwait(false);
            var guests = kinds.TryGetValue("guest", out var guestKind)
                ? await RegisterAllAsync(guestKind, [.. chain, .. dls.Select(d => d.Urn)], dls.FirstOrDefault()).ConfigureAwait(false)
                : [];

            var outputs = new Struct();
            var dependencies = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            if (Inputs.Fields.TryGetValue(PropertyNames.ToCamel(VgpuNodeShape.NodeInput), out var node))
            {
                outputs.Fields[PropertyNames.ToCamel(VgpuNodeShape.NodeInput)] = node;
            }

            if (_owner._shape.NodeFacts is not null)
            {
                var key = PropertyNames.ToCamel(VgpuNodeShape.NodeFactsOutput);
                outputs.Fields[key] = await NodeFactsAsync(node).ConfigureAwait(false);
                dependencies[key] = [.. _childUrns];
            }

            if (_owner._shape.Outputs.FindByCamel(PropertyNames.ToCamel(VgpuNodeShape.LicenseServerUrlOutput)) is not null && dls.Count > 0)
            {
                var key = PropertyNames.ToCamel(VgpuNodeShape.LicenseServerUrlOutput);
                outputs.Fields[key] = dls[0].Output("url");
                dependencies[key] = [dls[0].Urn];
            }

            if (_owner._shape.GuestLicenseStatusAttribute is { } statusAttribute && guests.Count > 0)
            {
                var key = PropertyNames.ToCamel(VgpuNodeShape.GuestLicenseStatusesOutput);
                var statuses = new Struct();
                foreach (var guest in guests)
                {
                    statuses.Fields[guest.Name] = guest.Output(PropertyNames.ToCamel(statusAttribute));
                }

                outputs.Fields[key] = ProtoValue.ForStruct(statuses);
                dependencies[key] = [.. guests.Select(g => g.Urn)];
            }

            if (!_request.DryRun)
            {
                // After a deployment every declared output is known or null: nothing is left unknown, nothing is missing.
                outputs = KnownOrNull(outputs);
                foreach (var declared in _owner._shape.Outputs.Properties.Where(p => !outputs.Fields.ContainsKey(p.CamelName)))
                {
                    outputs.Fields[declared.CamelName] = ProtoValue.ForNull();
                }
            }

            await _monitor.RegisterResourceOutputsAsync(new RegisterResourceOutputsRequest { Urn = _componentUrn, Outputs = outputs }, cancellationToken: _cancel).ConfigureAwait(false);
            var response = new ConstructResponse { Urn = _componentUrn, State = outputs };
            foreach (var (key, urns) in dependencies)
            {
                var deps = new ConstructResponse.Types.PropertyDependencies();
                deps.Urns.AddRange(urns);
                response.StateDependencies[key] = deps;
            }

            return response;
        }

        /// <summary>A copy with every unknown (at any depth, also inside secrets) replaced by null.</summary>
        private static Struct KnownOrNull(Struct value)
        {
            var result = new Struct();
            foreach (var (key, v) in value.Fields)
            {
                result.Fields[key] = KnownOrNull(v);
            }

            return result;
        }

        private static ProtoValue KnownOrNull(ProtoValue value) => value.KindCase switch
        {
            ProtoValue.KindOneofCase.StringValue when Sentinels.AllUnknowns.Contains(value.StringValue) => ProtoValue.ForNull(),
            ProtoValue.KindOneofCase.StructValue => ProtoValue.ForStruct(KnownOrNull(value.StructValue)),
            ProtoValue.KindOneofCase.ListValue => ProtoValue.ForList([.. value.ListValue.Values.Select(KnownOrNull)]),
            _ => value,
        };

        private RegisterResourceRequest ComponentRegistration()
        {
            var r = new RegisterResourceRequest
            {
                Type = _request.Type,
                Name = _request.Name,
                Parent = _request.Parent,
                Custom = false,
                Remote = false,
                Object = new Struct(),
                AcceptSecrets = true,
                AcceptResources = true,
                AliasSpecs = true,
                DeletedWith = _request.DeletedWith,
            };
            if (_request.HasProtect)
            {
                r.Protect = _request.Protect;
            }

            if (_request.HasRetainOnDelete)
            {
                r.RetainOnDelete = _request.RetainOnDelete;
            }

            r.Dependencies.AddRange(_request.Dependencies);
            r.Providers.Add(_request.Providers);
            r.Aliases.AddRange(_request.Aliases);
            if (_request.CustomTimeouts is { } t)
            {
                r.CustomTimeouts = new RegisterResourceRequest.Types.CustomTimeouts { Create = t.Create, Update = t.Update, Delete = t.Delete };
            }

            return r;
        }

        private async Task<IReadOnlyList<Registered>> RegisterAllAsync(ChildKind kind, IReadOnlyList<string> dependsOn, Registered? licenseServer)
        {
            if (!Inputs.Fields.TryGetValue(kind.InputName, out var raw) || raw.KindCase == ProtoValue.KindOneofCase.NullValue)
            {
                return [];
            }

            var secret = PropertyCodec.IsSecret(raw);
            var value = secret ? raw.StructValue.Fields["value"] : raw;
            if (PropertyCodec.ContainsUnknown(value) && value.KindCase == ProtoValue.KindOneofCase.StringValue)
            {
                // The whole input is unknown (preview): which children it describes is not known yet.
                _owner._log.Debug($"{_request.Name}: {kind.InputName} is unknown during preview; its children are registered on update");
                return [];
            }

            var items = new List<(string Name, Struct Item)>();
            if (kind.IsList)
            {
                if (value.KindCase != ProtoValue.KindOneofCase.ListValue)
                {
                    return [];
                }

                var used = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < value.ListValue.Values.Count; i++)
                {
                    var item = Unwrap(value.ListValue.Values[i], ref secret);
                    if (item is null)
                    {
                        continue;
                    }

                    var key = ItemKey(item, i);
                    var name = $"{_request.Name}-{kind.NameSuffix}-{key}";
                    if (!used.Add(name))
                    {
                        throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument,
                            $"{kind.InputName}[{i}]: another item already uses the name \"{name}\"; set a distinct `resourceName` on each item."));
                    }

                    items.Add((name, item));
                }
            }
            else
            {
                var item = Unwrap(value, ref secret);
                if (item is not null)
                {
                    items.Add(($"{_request.Name}-{kind.NameSuffix}", item));
                }
            }

            var tasks = items.Select(x => RegisterChildAsync(kind, x.Name, ChildObject(kind, x.Item, secret, licenseServer), dependsOn));
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }

        private static Struct? Unwrap(ProtoValue value, ref bool secret)
        {
            if (PropertyCodec.IsSecret(value))
            {
                secret = true;
                value = value.StructValue.Fields["value"];
            }

            return value.KindCase == ProtoValue.KindOneofCase.StructValue ? value.StructValue : null;
        }

        private static string ItemKey(Struct item, int index)
        {
            foreach (var field in new[] { PropertyNames.ToCamel(VgpuNodeShape.ResourceNameField), "vmid", "name" })
            {
                if (!item.Fields.TryGetValue(field, out var v))
                {
                    continue;
                }

                if (PropertyCodec.IsSecret(v))
                {
                    continue;
                }

                switch (v.KindCase)
                {
                    case ProtoValue.KindOneofCase.StringValue when !Sentinels.AllUnknowns.Contains(v.StringValue) && v.StringValue.Length > 0:
                        return v.StringValue;
                    case ProtoValue.KindOneofCase.NumberValue:
                        return v.NumberValue.ToString("0.############", CultureInfo.InvariantCulture);
                }
            }

            return index.ToString(CultureInfo.InvariantCulture);
        }

        private Struct ChildObject(ChildKind kind, Struct item, bool secret, Registered? licenseServer)
        {
            var result = new Struct();
            foreach (var (key, v) in item.Fields)
            {
                if (key == PropertyNames.ToCamel(VgpuNodeShape.ResourceNameField))
                {
                    continue;
                }

                result.Fields[key] = secret && !PropertyCodec.IsSecret(v) ? PropertyCodec.Secret(v) : v;
            }

            var nodeKey = PropertyNames.ToCamel(ProviderSchema.NodeAttribute.Name);
            if (kind.Resource.Shape.FindByCamel(nodeKey) is not null && Inputs.Fields.TryGetValue(nodeKey, out var node) && node.KindCase != ProtoValue.KindOneofCase.NullValue)
            {
                result.Fields[nodeKey] = node;
            }

            if (licenseServer is not null)
            {
                foreach (var (guestInput, serverOutput) in GuestWiring)
                {
                    var key = PropertyNames.ToCamel(guestInput);
                    if (kind.Resource.Shape.FindByCamel(key) is { IsInput: true } && !result.Fields.ContainsKey(key))
                    {
                        result.Fields[key] = licenseServer.Output(PropertyNames.ToCamel(serverOutput));
                    }
                }
            }

            return result;
        }

        private async Task<Registered> RegisterChildAsync(ChildKind kind, string name, Struct properties, IReadOnlyList<string> dependsOn)
        {
            var r = new RegisterResourceRequest
            {
                Type = kind.Resource.Token,
                Name = name,
                Parent = _componentUrn,
                Custom = true,
                Object = properties,
                Provider = _request.Providers.TryGetValue(Model.PulumiDefinition.Package, out var provider) ? provider : string.Empty,
                Version = PulumiSchema.Version,
                AcceptSecrets = true,
                AcceptResources = true,
                SupportsPartialValues = true,
                SupportsResultReporting = true,
                DeletedWith = _request.DeletedWith,
            };
            if (_request.HasProtect)
            {
                r.Protect = _request.Protect;
            }

            if (_request.HasRetainOnDelete)
            {
                r.RetainOnDelete = _request.RetainOnDelete;
            }

            if (_request.HasDeleteBeforeReplace || kind.Resource.Definition.DeleteBeforeReplace)
            {
                r.DeleteBeforeReplace = _request.DeleteBeforeReplace || kind.Resource.Definition.DeleteBeforeReplace;
                r.DeleteBeforeReplaceDefined = true;
            }

            if (_request.CustomTimeouts is { } t)
            {
                r.CustomTimeouts = new RegisterResourceRequest.Types.CustomTimeouts { Create = t.Create, Update = t.Update, Delete = t.Delete };
            }

            var inputUrns = _request.InputDependencies.TryGetValue(kind.InputName, out var d) ? d.Urns : [];
            var nodeUrns = _request.InputDependencies.TryGetValue(VgpuNodeShape.NodeInput, out var n) ? n.Urns : [];
            r.Dependencies.AddRange(dependsOn.Concat(_request.Dependencies).Concat(inputUrns).Concat(nodeUrns).Distinct(StringComparer.Ordinal));
            foreach (var key in properties.Fields.Keys)
            {
                var deps = new RegisterResourceRequest.Types.PropertyDependencies();
                deps.Urns.AddRange((key == VgpuNodeShape.NodeInput ? nodeUrns : inputUrns).Distinct(StringComparer.Ordinal));
                r.PropertyDependencies[key] = deps;
            }

            var response = await _monitor.RegisterResourceAsync(r, cancellationToken: _cancel).ConfigureAwait(false);
            if (response.Result == RegisterResourceResponse.Types.Result.Fail)
            {
                throw new RpcException(new Grpc.Core.Status(StatusCode.Unknown, $"{kind.Resource.Token} \"{name}\" failed"));
            }

            lock (_childUrns)
            {
                _childUrns.Add(response.Urn);
            }

            return new Registered(name, response.Urn, response.Object ?? new Struct(), _request.DryRun);
        }

        private async Task<ProtoValue> NodeFactsAsync(ProtoValue? node)
        {
            var args = new Struct();
            if (node is not null && node.KindCase != ProtoValue.KindOneofCase.NullValue)
            {
                args.Fields[PropertyNames.ToCamel(VgpuNodeShape.NodeInput)] = node;
            }

            if (PropertyCodec.ContainsUnknown(ProtoValue.ForStruct(args)))
            {
                return Unknown();
            }

            var request = new ResourceInvokeRequest
            {
                Tok = PulumiDefinitionToken(),
                Args = args,
                Provider = _request.Providers.TryGetValue(Model.PulumiDefinition.Package, out var provider) ? provider : string.Empty,
                Version = PulumiSchema.Version,
                AcceptResources = true,
                Parent = _componentUrn,
            };
            try
            {
                var result = await _monitor.InvokeAsync(request, cancellationToken: _cancel).ConfigureAwait(false);
                if (result.Failures.Count > 0)
                {
                    throw new RpcException(new Grpc.Core.Status(StatusCode.Unknown, "Unable to read the node's facts: " + string.Join("; ", result.Failures.Select(f => f.Reason))));
                }

                if (result.Unknown || result.Return is null)
                {
                    return _request.DryRun ? Unknown() : ProtoValue.ForNull();
                }

                return ProtoValue.ForStruct(result.Return);
            }
            catch (RpcException) when (_request.DryRun)
            {
                // A preview shows the facts as unknown rather than failing when the node cannot be read yet.
                return Unknown();
            }
        }

        private string PulumiDefinitionToken() => _owner._shape.NodeFacts!.Token;
    }

    private sealed record Registered(string Name, string Urn, Struct Outputs, bool Preview)
    {
        /// <summary>
        /// An output of the child. One the engine has not given is unknown during a preview (not computed yet) and null
        /// after a deployment (the child has no such value).
        /// </summary>
        public ProtoValue Output(string camelName) =>
            Outputs.Fields.TryGetValue(camelName, out var v) ? v : Preview ? Unknown() : ProtoValue.ForNull();
    }
}
