'use strict';
// node drive.js PLAN.json  -- acts as the Pulumi engine toward pulumi-resource-vgpu and prints one JSON result.
//
// PLAN: { "plugin": path (default $VGPU_PULUMI_PLUGIN), "args": [extra argv flags], "monitor": {fake monitor options} | absent,
//         "steps": [ { "rpc": "...", ... }, ... ] }
// Steps (camelCase RPC names; resource steps keep per-name state like the engine does):
//   handshake | getPluginInfo | getSchema | cancel | attach | parameterize | getMappings (expected UNIMPLEMENTED)
//   checkConfig {news, olds} | diffConfig {olds, news} | configure {args}
//   check {type, name, news, olds} | diff {type, name, [news, olds, oldInputs, id, ignoreChanges]}
//     (diff without news sends the inputs the last check of that name returned, as the engine does)
//   create {type, name, properties, preview} | read {type, name, [id, properties, inputs], import: bool}
//   update {type, name, news, preview} | delete {type, name} | invoke {tok, args, preview}
//   construct {type, name, inputs, dryRun, providers, inputDependencies, protect}
//   sigint {} | waitExit {timeoutMs}
//   replace {type, name, news}: the engine's replacement (diff, check, then delete+create or create+delete as the
//     provider's deleteBeforeReplace says); one result {rpc: 'replace', ok, order, deleteBeforeReplace, steps: [...]}
// Result: { portLine, startupMs, steps: [{rpc, name, ok, startedAt, endedAt (epoch ms), code, details, initFailed, response}], logs, monitor, stderr }
const fs = require('fs');
const { grpc, providerPb, pluginPb, statusPb, Empty, Struct } = require('./lib/stubs');
const { toStruct, fromStruct } = require('./lib/values');
const { startFakeEngine } = require('./lib/fake-engine');
const { startFakeMonitor } = require('./lib/fake-monitor');
const { launchPlugin } = require('./lib/plugin');

const STACK = 'test';
const PROJECT = 'vgpu-tests';
const urnOf = (type, name) => `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
const KIND = ['ADD', 'ADD_REPLACE', 'DELETE', 'DELETE_REPLACE', 'UPDATE', 'UPDATE_REPLACE'];
const CHANGES = ['DIFF_UNKNOWN', 'DIFF_NONE', 'DIFF_SOME'];

function call(client, method, request, timeoutMs = 300000) {
  return new Promise((resolve) => {
    client[method](request, { deadline: Date.now() + timeoutMs }, (err, res) => resolve({ err, res }));
  });
}

function initFailed(err) {
  const bin = err.metadata && err.metadata.get('grpc-status-details-bin');
  if (!bin || bin.length === 0) return null;
  const status = statusPb.Status.deserializeBinary(new Uint8Array(bin[0]));
  for (const any of status.getDetailsList()) {
    if (any.getTypeUrl() === 'type.googleapis.com/pulumirpc.ErrorResourceInitFailed') {
      const d = providerPb.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
      return { id: d.getId(), properties: fromStruct(d.getProperties()), reasons: d.getReasonsList() };
    }
  }
  return null;
}

async function main() {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const binary = plan.plugin || process.env.VGPU_PULUMI_PLUGIN;
  const engine = await startFakeEngine();
  const monitor = plan.monitor ? await startFakeMonitor(plan.monitor) : null;
  const plugin = launchPlugin(binary, engine.address, { extraArgs: plan.args || [], env: plan.env || {} });
  const result = { steps: [], logs: engine.logs };
  const { client, portLine, startupMs } = await plugin.connect();
  result.portLine = portLine;
  result.startupMs = startupMs;
  const state = {};

  async function runStep(step) {
    const name = step.name || '';
    const type = step.type || '';
    const urn = step.urn || urnOf(type, name);
    const prev = state[name] || {};
    let method;
    let req;
    switch (step.rpc) {
      case 'handshake':
        method = 'handshake'; req = new providerPb.ProviderHandshakeRequest();
        req.setEngineAddress(step.engineAddress || engine.address); req.setConfigureWithUrn(true); req.setInvokeWithPreview(true);
        break;
      case 'getPluginInfo': method = 'getPluginInfo'; req = new Empty(); break;
      case 'getSchema': method = 'getSchema'; req = new providerPb.GetSchemaRequest(); break;
      case 'cancel': method = 'cancel'; req = new Empty(); break;
      case 'parameterize': method = 'parameterize'; req = new providerPb.ParameterizeRequest(); break;
      case 'getMappings': method = 'getMappings'; req = new providerPb.GetMappingsRequest(); break;
      case 'attach': method = 'attach'; req = new pluginPb.PluginAttach(); req.setAddress(step.address || engine.address); break;
      case 'checkConfig':
        method = 'checkConfig'; req = new providerPb.CheckRequest();
        req.setUrn(`urn:pulumi:${STACK}::${PROJECT}::pulumi:providers:vgpu::default`); req.setType('pulumi:providers:vgpu'); req.setName('default');
        req.setOlds(toStruct(step.olds)); req.setNews(toStruct(step.news));
        break;
      case 'diffConfig':
        method = 'diffConfig'; req = new providerPb.DiffRequest();
        req.setOlds(toStruct(step.olds)); req.setOldInputs(toStruct(step.olds)); req.setNews(toStruct(step.news));
        break;
      case 'configure':
        method = 'configure'; req = new providerPb.ConfigureRequest();
        req.setArgs(toStruct(step.args)); req.setAcceptsecrets(true); req.setAcceptresources(true); req.setSendsOldInputs(true);
        break;
      case 'check':
        method = 'check'; req = new providerPb.CheckRequest();
        req.setUrn(urn); req.setType(type); req.setName(name); req.setOlds(toStruct(step.olds || prev.inputs)); req.setNews(toStruct(step.news));
        break;
      case 'diff':
        method = 'diff'; req = new providerPb.DiffRequest();
        req.setUrn(urn); req.setType(type); req.setName(name); req.setId(step.id || prev.id || '');
        req.setOlds(toStruct(step.olds || prev.outputs)); req.setOldInputs(toStruct(step.oldInputs || prev.inputs)); req.setNews(toStruct(step.news || prev.checked));
        if (step.ignoreChanges) req.setIgnorechangesList(step.ignoreChanges);
        break;
      case 'create':
        method = 'create'; req = new providerPb.CreateRequest();
        req.setUrn(urn); req.setType(type); req.setName(name); req.setProperties(toStruct(step.properties)); req.setPreview(!!step.preview);
        break;
      case 'read':
        method = 'read'; req = new providerPb.ReadRequest();
        req.setUrn(urn); req.setType(type); req.setName(name); req.setId(step.id || prev.id || '');
        if (!step.import) { req.setProperties(toStruct(step.properties || prev.outputs)); req.setInputs(toStruct(step.inputs || prev.inputs)); }
        break;
      case 'update':
        method = 'update'; req = new providerPb.UpdateRequest();
        req.setUrn(urn); req.setType(type); req.setName(name); req.setId(step.id || prev.id || '');
        req.setOlds(toStruct(step.olds || prev.outputs)); req.setOldInputs(toStruct(step.oldInputs || prev.inputs)); req.setNews(toStruct(step.news)); req.setPreview(!!step.preview);
        break;
      case 'delete':
        method = 'delete'; req = new providerPb.DeleteRequest();
        req.setUrn(urn); req.setType(type); req.setName(name); req.setId(step.id || prev.id || '');
        req.setProperties(toStruct(step.properties || prev.outputs)); req.setOldInputs(toStruct(step.oldInputs || prev.inputs));
        break;
      case 'invoke':
        method = 'invoke'; req = new providerPb.InvokeRequest();
        req.setTok(step.tok); req.setArgs(toStruct(step.args)); req.setPreview(!!step.preview);
        break;
      case 'construct': {
        method = 'construct'; req = new providerPb.ConstructRequest();
        req.setProject(PROJECT); req.setStack(STACK); req.setDryrun(!!step.dryRun); req.setParallel(4);
        req.setMonitorendpoint(monitor ? monitor.address : '127.0.0.1:1'); req.setType(type); req.setName(name);
        req.setInputs(toStruct(step.inputs));
        for (const [k, v] of Object.entries(step.providers || {})) req.getProvidersMap().set(k, v);
        for (const [k, urns] of Object.entries(step.inputDependencies || {})) {
          const d = new providerPb.ConstructRequest.PropertyDependencies(); d.setUrnsList(urns); req.getInputdependenciesMap().set(k, d);
        }
        if (step.protect !== undefined) req.setProtect(step.protect);
        break;
      }
      case 'sigint': {
        const sent = Date.now();
        plugin.child.kill('SIGINT');
        const exit = await Promise.race([plugin.exited, new Promise((r) => setTimeout(() => r(null), step.timeoutMs || 10000))]);
        return { rpc: 'sigint', ok: !!exit, exitCode: exit ? exit.code : null, signal: exit ? exit.signal : null, exitMs: exit ? exit.at - sent : null };
      }
      case 'waitExit': {
        const from = Date.now();
        const exit = await Promise.race([plugin.exited, new Promise((r) => setTimeout(() => r(null), step.timeoutMs || 10000))]);
        return { rpc: 'waitExit', ok: !!exit, exitCode: exit ? exit.code : null, exitMs: exit ? exit.at - from : null };
      }
      default:
        throw new Error(`unknown step ${step.rpc}`);
    }

    const started = Date.now();
    const { err, res } = await call(client, method, req, step.timeoutMs);
    const out = { rpc: step.rpc, name, ok: !err, ms: Date.now() - started, startedAt: started, endedAt: Date.now() };
    if (err) {
      out.code = grpc.status[err.code];
      out.details = err.details;
      out.initFailed = initFailed(err);
    } else {
      out.response = describe(step.rpc, res);
      remember(step, name, res, state);
    }
    return out;
  }

  // A replacement the way the engine runs it (step_generator.go): Diff; when it replaces, Check the new inputs with no
  // olds, then Delete the old object before Creating the new one if the provider said deleteBeforeReplace, else Create
  // the new one first and Delete the old one last. One result entry with the sub-steps in the order they ran.
  async function runReplace(step) {
    const { type, name } = step;
    const started = Date.now();
    const steps = [];
    const run = async (s) => { const out = await runStep({ type, name, ...s }); steps.push(out); return out; };
    const entry = () => ({ rpc: 'replace', name, ok: steps.every((x) => x.ok), order: steps.map((x) => x.rpc), steps,
      deleteBeforeReplace: diff.ok ? diff.response.deleteBeforeReplace : null, startedAt: started, endedAt: Date.now() });
    const diff = await run({ rpc: 'diff', news: step.news });
    if (!diff.ok || diff.response.replaces.length === 0) return entry();
    const check = await run({ rpc: 'check', news: step.news, olds: {} });
    if (!check.ok || check.response.failures.length > 0) return entry();
    const old = { ...state[name] };
    const deleteOld = () => run({ rpc: 'delete', id: old.id, properties: old.outputs, oldInputs: old.inputs });
    if (diff.response.deleteBeforeReplace) {
      if ((await deleteOld()).ok) await run({ rpc: 'create', properties: check.response.inputs });
    } else {
      const created = await run({ rpc: 'create', properties: check.response.inputs });
      const fresh = state[name];
      if (created.ok) await deleteOld();
      if (fresh) state[name] = fresh; // the old object's Delete does not forget the new one
    }
    return entry();
  }

  for (const step of plan.steps) {
    result.steps.push(step.rpc === 'replace' ? await runReplace(step) : await runStep(step));
  }

  result.monitor = monitor ? { registrations: monitor.registrations, outputs: monitor.outputs, invokes: monitor.invokes, features: monitor.features } : null;
  if (!plan.keepRunning && plugin.child.exitCode === null) {
    plugin.child.kill('SIGINT');
    await Promise.race([plugin.exited, new Promise((r) => setTimeout(r, 6000))]);
    if (plugin.child.exitCode === null) plugin.child.kill('SIGKILL');
  }
  client.close();
  engine.stop();
  if (monitor) monitor.stop();
  result.stderr = plugin.stderr();
  result.stdoutAfterPort = plugin.stdout().slice(result.portLine.length);
  process.stdout.write(JSON.stringify(result) + '\n');
}

function remember(step, name, res, state) {
  if (step.preview) return;
  switch (step.rpc) {
    case 'create': state[name] = { id: res.getId(), outputs: fromStruct(res.getProperties()), inputs: step.properties }; break;
    case 'update': state[name] = { ...state[name], outputs: fromStruct(res.getProperties()), inputs: step.news }; break;
    case 'read':
      if (res.getId()) state[name] = { id: res.getId(), outputs: fromStruct(res.getProperties()), inputs: fromStruct(res.getInputs()) || (state[name] || {}).inputs };
      else delete state[name];
      break;
    case 'delete': delete state[name]; break;
    case 'check': state[name] = { ...(state[name] || {}), checked: fromStruct(res.getInputs()) }; break;
    default: break;
  }
}

function describe(rpc, res) {
  switch (rpc) {
    case 'handshake': return { acceptSecrets: res.getAcceptSecrets(), acceptResources: res.getAcceptResources(), acceptOutputs: res.getAcceptOutputs() };
    case 'getPluginInfo': return { version: res.getVersion() };
    case 'getSchema': return { schema: res.getSchema() };
    case 'configure': return { acceptSecrets: res.getAcceptsecrets(), supportsPreview: res.getSupportspreview(), acceptResources: res.getAcceptresources(), acceptOutputs: res.getAcceptoutputs() };
    case 'check': case 'checkConfig':
      return { inputs: fromStruct(res.getInputs()), failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })) };
    case 'diff': case 'diffConfig': {
      const detailed = {};
      res.getDetaileddiffMap().forEach((v, k) => { detailed[k] = { kind: KIND[v.getKind()], inputDiff: v.getInputdiff() }; });
      return { changes: CHANGES[res.getChanges()], diffs: res.getDiffsList(), replaces: res.getReplacesList(), stables: res.getStablesList(),
        deleteBeforeReplace: res.getDeletebeforereplace(), hasDetailedDiff: res.getHasdetaileddiff(), detailedDiff: detailed };
    }
    case 'create': return { id: res.getId(), properties: fromStruct(res.getProperties()) };
    case 'read': return { id: res.getId(), properties: fromStruct(res.getProperties()), inputs: fromStruct(res.getInputs()) };
    case 'update': return { properties: fromStruct(res.getProperties()) };
    case 'invoke': return { return: fromStruct(res.getReturn()), failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })) };
    case 'construct': {
      const deps = {};
      res.getStatedependenciesMap().forEach((v, k) => { deps[k] = v.getUrnsList(); });
      return { urn: res.getUrn(), state: fromStruct(res.getState()), stateDependencies: deps };
    }
    default: return {};
  }
}

main().catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
