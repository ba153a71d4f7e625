'use strict';
// Pulumi property-value helpers (sentinels and signature objects), for building requests and reading responses.
const { Struct } = require('./stubs');

const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
const SIG = '4dabf18193072939515e22adb298388d';
const SECRET = '1b47061264138c4ac30d75fd1eb44270';

const secret = (value) => ({ [SIG]: SECRET, value });
const isSecret = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && v[SIG] === SECRET;
const toStruct = (obj) => Struct.fromJavaScript(obj || {});
const fromStruct = (s) => (s ? s.toJavaScript() : null);

// Every string in `v` (secrets unwrapped): used to assert that a secret's text never appears in plain form.
function plainStrings(v, out = []) {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => plainStrings(x, out));
  else if (v && typeof v === 'object' && !isSecret(v)) Object.values(v).forEach((x) => plainStrings(x, out));
  return out;
}

module.exports = { UNKNOWN, SIG, SECRET, secret, isSecret, toStruct, fromStruct, plainStrings };
