'use strict';
// A fake pulumirpc.Engine: records Log calls, the way the CLI would show them to the user.
const { grpc, engineGrpc, Empty } = require('./stubs');

const SEVERITY = ['debug', 'info', 'warning', 'error'];

async function startFakeEngine() {
  const logs = [];
  const server = new grpc.Server();
  const unimplemented = (call, cb) => cb({ code: grpc.status.UNIMPLEMENTED });
  const impl = Object.fromEntries(Object.keys(engineGrpc.EngineService).map((k) => [k, unimplemented]));
  impl.log = (call, cb) => {
    const r = call.request;
    logs.push({ severity: SEVERITY[r.getSeverity()] || String(r.getSeverity()), message: r.getMessage(), urn: r.getUrn(), ephemeral: r.getEphemeral() });
    cb(null, new Empty());
  };
  server.addService(engineGrpc.EngineService, impl);
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { address: `127.0.0.1:${port}`, logs, stop: () => server.forceShutdown() };
}

module.exports = { startFakeEngine };
