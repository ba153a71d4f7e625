'use strict';
// Launches pulumi-resource-vgpu the way the engine does (argv: flags then the engine address), reads the port
// announcement from stdout and connects a ResourceProvider client over plaintext HTTP/2.
const { spawn } = require('child_process');
const { grpc, providerGrpc } = require('./stubs');

function launchPlugin(binary, engineAddress, { extraArgs = [], env = {}, timeoutMs = 30000 } = {}) {
  const started = Date.now();
  const child = spawn(binary, [...extraArgs, engineAddress], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d.toString(); });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  const port = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port line within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      stdout += d.toString();
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, nl + 1));
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`plugin exited (${code}) before announcing a port; stderr: ${stderr}`)); });
  });
  return {
    child,
    exited,
    async connect() {
      const line = await port;
      const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${parseInt(line, 10)}`, grpc.credentials.createInsecure(),
        { 'grpc.max_receive_message_length': 400 * 1024 * 1024 });
      return { client, portLine: line, startupMs: Date.now() - started };
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

module.exports = { launchPlugin };
