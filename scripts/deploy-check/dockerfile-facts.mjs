// What a Dockerfile builds, as JSON, for DeploymentManifestsTest (no Docker engine needed): the stages and their base
// images, the final stage's user, environment, health check, the directories it creates and gives to a user (from
// `install -d -o`, or `mkdir` plus `chown`), and the build-context sources it copies; and whether .dockerignore lets
// every tracked file those sources need into the context while keeping out what must stay out.
// Usage: node dockerfile-facts.mjs <repository root>
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DockerfileParser } from 'dockerfile-ast';
import ignore from '@balena/dockerignore';

const root = process.argv[2];
const dockerfile = DockerfileParser.parse(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
const stages = [];
let current = null;
for (const instruction of dockerfile.getInstructions()) {
  const keyword = instruction.getKeyword();
  if (keyword === 'FROM') {
    current = {
      name: instruction.getBuildStage() ?? null,
      image: instruction.getImageName(),
      tag: instruction.getImageTag() ?? null,
      digest: instruction.getImageDigest() ?? null,
      registry: instruction.getRegistry() ?? null,
      user: null, env: {}, labels: {}, healthcheck: null, users: {}, created: [], chowned: [], owned: [], copies: [],
      runs: [],
    };
    stages.push(current);
    continue;
  }
  if (!current) continue;
  const args = instruction.getArguments().map((a) => a.getValue());
  if (keyword === 'USER') current.user = args.join(' ');
  if (keyword === 'ENV') {
    for (const property of instruction.getProperties()) current.env[property.getName()] = property.getValue();
  }
  if (keyword === 'LABEL') {
    for (const property of instruction.getProperties()) current.labels[property.getName()] = property.getValue();
  }
  if (keyword === 'HEALTHCHECK') {
    current.healthcheck = {
      flags: Object.fromEntries(instruction.getFlags().map((f) => [f.getName(), f.getValue()])),
      command: instruction.getArgumentsContent(),
    };
  }
  if (keyword === 'COPY' || keyword === 'ADD') {
    const from = instruction.getFlags().find((f) => f.getName() === 'from')?.getValue() ?? null;
    current.copies.push({ from, sources: args.slice(0, -1), destination: args[args.length - 1] });
  }
  if (keyword === 'RUN') {
    const command = instruction.getArgumentsContent() ?? '';
    current.runs.push(command);
    for (const part of command.split(/&&|;|\n/)) {
      const words = part.trim().split(/\s+/).filter((w) => w.length > 0 && w !== '\\');
      if (words[0] === 'useradd') {
        const uid = words[words.indexOf('--uid') + 1];
        current.users[words[words.length - 1]] = uid;
      }
      if (words[0] === 'install' && words.includes('-d')) {
        const owner = words[words.indexOf('-o') + 1];
        const paths = [];
        for (let i = 1; i < words.length; i++) {
          if (['-o', '-g', '-m'].includes(words[i])) { i++; continue; }
          if (!words[i].startsWith('-')) paths.push(words[i]);
        }
        current.created.push(...paths);
        current.chowned.push(...paths.map((p) => ({ path: p, owner })));
      }
      if (words[0] === 'mkdir') current.created.push(...words.slice(1).filter((w) => !w.startsWith('-')));
      if (words[0] === 'chown') {
        const rest = words.slice(1).filter((w) => !w.startsWith('-'));
        const owner = rest[0]?.split(':')[0];
        current.chowned.push(...rest.slice(1).map((p) => ({ path: p, owner })));
      }
    }
  }
}
// A directory is owned by a uid when it is created and chowned to that uid (or to a user name created with it).
for (const stage of stages) {
  const uidOf = (owner) => stage.users[owner] ?? owner;
  stage.owned = stage.created.filter((p) => stage.chowned.some((c) => c.path === p))
    .map((p) => ({ path: p, uid: uidOf(stage.chowned.filter((c) => c.path === p).pop().owner) }));
}

// .dockerignore: every tracked file under a build-context COPY source must reach the build; these must not.
const mustStayOut = ['.git/HEAD', 'codecs/target/classes/x.class', 'ui/node_modules/react/package.json',
  '.odyssey/data/odyssey/tokens', 'ui/dist/index.html', 'bench-results/x/machine.txt', 'ui/e2e/artifacts/dashboard.png',
  'scripts/deploy-check/node_modules/yaml/package.json', 'ws-gateway/target/odyssey-ws-gateway.jar'];
const rules = ignore().add(fs.readFileSync(path.join(root, '.dockerignore'), 'utf8'));
const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
const contextSources = [...new Set(stages.flatMap((s) => s.copies.filter((c) => c.from === null).flatMap((c) => c.sources)))];
const problems = [];
for (const source of contextSources) {
  const prefix = source.replace(/\/$/, '');
  const files = tracked.filter((f) => f === prefix || f.startsWith(prefix + '/'));
  if (files.length === 0) problems.push(`COPY ${source}: no tracked file there`);
  for (const file of files) {
    if (rules.ignores(file)) problems.push(`COPY ${source}: .dockerignore keeps ${file} out of the build context`);
  }
}
for (const file of mustStayOut) {
  if (!rules.ignores(file)) problems.push(`.dockerignore lets ${file} into the build context`);
}
console.log(JSON.stringify({ stages, contextSources, problems }));
