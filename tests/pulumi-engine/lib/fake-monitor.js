'use strict';
// A fake pulumirpc.ResourceMonitor for Construct: builds URNs the way the engine does
// (urn:pulumi:<stack>::<project>::<parentType$type>::<name>), records every registration and returns outputs:
// for custom resources the inputs echoed plus `extraOutputs[type]` (omitted keys read as unknown in a preview).
const { grpc, resourceGrpc, resourcePb, Empty, Struct } = require('./stubs');

async function startFakeMonitor({ stack = 'test', project = 'vgpu-tests', extraOutputs = {}, invokeReturn = null, failTypes = [] } = {}) {
  const registrations = [];
  const outputs = [];
  const invokes = [];
  const features = [];
  const typeOfUrn = (urn) => (urn ? urn.split('::')[2] : '');
  const server = new grpc.Server();
  const unimplemented = (call, cb) => cb({ code: grpc.status.UNIMPLEMENTED });
  const impl = Object.fromEntries(Object.keys(resourceGrpc.ResourceMonitorService).map((k) => [k, unimplemented]));
  impl.supportsFeature = (call, cb) => {
    features.push(call.request.getId());
    const r = new resourcePb.SupportsFeatureResponse();
    r.setHassupport(true);
    cb(null, r);
  };
  impl.registerResource = (call, cb) => {
    const q = call.request;
    const parentType = typeOfUrn(q.getParent());
    const type = parentType ? `${parentType}$${q.getType()}` : q.getType();
    const urn = `urn:pulumi:${stack}::${project}::${type}::${q.getName()}`;
    const object = q.getObject() ? q.getObject().toJavaScript() : {};
    const propertyDependencies = {};
    q.getPropertydependenciesMap().forEach((v, k) => { propertyDependencies[k] = v.getUrnsList(); });
    registrations.push({
      type: q.getType(), name: q.getName(), parent: q.getParent(), custom: q.getCustom(), remote: q.getRemote(), urn, object,
      provider: q.getProvider(), version: q.getVersion(), dependencies: q.getDependenciesList(), propertyDependencies,
      deleteBeforeReplace: q.getDeletebeforereplace(), acceptSecrets: q.getAcceptsecrets(), acceptResources: q.getAcceptresources(),
      protect: q.hasProtect() ? q.getProtect() : null, aliasSpecs: q.getAliasspecs(),
    });
    if (failTypes.includes(q.getType())) {
      cb({ code: grpc.status.UNKNOWN, details: `fake failure of ${q.getType()}` });
      return;
    }
    const r = new resourcePb.RegisterResourceResponse();
    r.setUrn(urn);
    if (q.getCustom()) {
      r.setId(`${q.getName()}-id`);
      r.setObject(Struct.fromJavaScript({ ...object, ...(extraOutputs[q.getType()] || {}) }));
    } else {
      r.setObject(Struct.fromJavaScript({}));
    }
    cb(null, r);
  };
  impl.registerResourceOutputs = (call, cb) => {
    outputs.push({ urn: call.request.getUrn(), outputs: call.request.getOutputs() ? call.request.getOutputs().toJavaScript() : {} });
    cb(null, new Empty());
  };
  impl.invoke = (call, cb) => {
    const q = call.request;
    invokes.push({ tok: q.getTok(), args: q.getArgs() ? q.getArgs().toJavaScript() : {}, provider: q.getProvider(), parent: q.getParent() });
    const r = new resourcePb.ResourceInvokeResponse();
    if (invokeReturn) r.setReturn(Struct.fromJavaScript(invokeReturn));
    cb(null, r);
  };
  server.addService(resourceGrpc.ResourceMonitorService, impl);
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { address: `127.0.0.1:${port}`, registrations, outputs, invokes, features, stop: () => server.forceShutdown() };
}

module.exports = { startFakeMonitor };
