#!/usr/bin/env node
// DEV ONLY: a stand-in for the Java ws-gateway, to develop and check the dashboard without the real stack.
// It serves ui/dist, GET /config.json, GET /metrics (a few gateway counters), speaks the /ws/fleet contract
// (docs/api/websocket.md) for a fleet of fake drones flying circles, and a small part of the command contract
// (docs/api/commands.md): bearer tokens (header, or the `bearer.<token>` WebSocket subprotocol), whoami, commands
// with their states (a toy autopilot flies goto, mission, return-to-home, land ...), /ws/commands and geofences.
// The real system test never uses it.
//
//   node ui/e2e/mock-gateway.mjs [--port 8099] [--drones 300] [--rate 5] [--coalesce-ms 16] [--dist ui/dist]
//                                [--tile-url https://.../{z}/{x}/{y}.png]
//                                [--tokens name:role:secret,...] [--anonymous-role none|viewer]
//   Default tokens: ops:operator:mock-operator-token-0001, root:admin:mock-admin-token-00001, wall:viewer:mock-viewer-token-0001.
//   POST /mock/kick closes every WebSocket (to watch the dashboard reconnect).
//   --tile-url local serves stand-in raster tiles at /mock-tiles/{z}/{x}/{y}.png (to try the online-map path).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import pngjs from 'pngjs';

const { PNG } = pngjs;

const here = path.dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
const PORT = Number(args.port ?? process.env.MOCK_PORT ?? 8099);
const HOST = args.host ?? '127.0.0.1';
const DRONES = Number(args.drones ?? 300);
const RATE_HZ = Number(args.rate ?? 5);
const COALESCE_MS = Number(args['coalesce-ms'] ?? 16);
const DIST = path.resolve(args.dist ?? path.join(here, '..', 'dist'));
const TILE_URL = args['tile-url'] === 'local' ? '/mock-tiles/{z}/{x}/{y}.png' : (args['tile-url'] ?? null);
const MAX_MESSAGE_BYTES = 64 * 1024;
const CENTRE = { lon: 13.405, lat: 52.52 };
const STATUSES = ['GROUNDED', 'TAKING_OFF', 'CRUISING', 'HOVERING', 'LANDING', 'RETURNING', 'EMERGENCY'];
const TOKENS = new Map((args.tokens ?? 'ops:operator:mock-operator-token-0001,root:admin:mock-admin-token-00001,wall:viewer:mock-viewer-token-0001')
  .split(',').filter(Boolean).map((entry) => {
    const [name, role, secret] = entry.split(':');
    return [secret, { name, role }];
  }));
const ANONYMOUS_ROLE = args['anonymous-role'] ?? 'none';
const ROLES = ['viewer', 'operator', 'admin'];

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const [key, inline] = a.slice(2).split('=', 2);
    out[key] = inline ?? (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true');
  }
  return out;
}

// ---- the fake fleet ---------------------------------------------------------------------------------------------
const metres = { lat: 1 / 111_320, lon: 1 / (111_320 * Math.cos((CENTRE.lat * Math.PI) / 180)) };
let seed = 42;
const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);

const fleet = Array.from({ length: DRONES }, (_, i) => {
  const ring = 500 + random() * 9000; // metres from the centre of its orbit
  const roll = random();
  const status = roll < 0.6 ? 'CRUISING' : roll < 0.72 ? 'HOVERING' : roll < 0.8 ? 'RETURNING' : roll < 0.88 ? 'GROUNDED'
    : roll < 0.93 ? 'TAKING_OFF' : roll < 0.97 ? 'LANDING' : 'EMERGENCY';
  return {
    id: 1001 + i,
    seq: 0,
    orbit: { lon: CENTRE.lon + (random() - 0.5) * 0.25, lat: CENTRE.lat + (random() - 0.5) * 0.15, r: ring * 0.3 },
    angle: random() * Math.PI * 2,
    speed: 8 + random() * 14, // m/s
    direction: random() < 0.5 ? 1 : -1,
    status,
    bat: 25 + random() * 75,
    alt: 40 + random() * 80,
    node: `ingest-${1 + (i % 2)}`,
    nextSendMs: Date.now() + random() * (1000 / RATE_HZ),
    state: null,
    /** Where it is; its home is where it was first (grounded drones sit there). */
    pos: null,
    home: null,
    /** The toy autopilot's current job (null: the usual circles). */
    pilot: null,
  };
});

function nowNs() {
  const ms = Date.now();
  const subMs = Math.floor(Number(process.hrtime.bigint() % 1_000_000n));
  return BigInt(ms) * 1_000_000n + BigInt(subMs);
}

function orbitPosition(drone) {
  return {
    lon: drone.orbit.lon + Math.cos(drone.angle) * drone.orbit.r * metres.lon,
    lat: drone.orbit.lat + Math.sin(drone.angle) * drone.orbit.r * metres.lat,
  };
}

/** Metres east and north from a to b (flat earth: fine for a few km). */
function offset(a, b) {
  return { east: (b.lon - a.lon) / metres.lon, north: (b.lat - a.lat) / metres.lat };
}

function step(drone, dtSeconds) {
  let hdg;
  let moving;
  if (drone.pilot) {
    ({ hdg, moving } = fly(drone, dtSeconds));
  } else {
    moving = drone.status !== 'GROUNDED' && drone.status !== 'HOVERING';
    if (moving) drone.angle += (drone.direction * drone.speed * dtSeconds) / drone.orbit.r;
    if (random() < 0.0004) drone.status = STATUSES[1 + Math.floor(random() * 5)];
    if (drone.status !== 'GROUNDED' || !drone.pos) drone.pos = orbitPosition(drone);
    // Heading of a circle: tangent direction, in degrees clockwise from north.
    const tangent = drone.direction > 0 ? drone.angle + Math.PI / 2 : drone.angle - Math.PI / 2;
    hdg = ((90 - (tangent * 180) / Math.PI) % 360 + 360) % 360;
  }
  drone.home ??= { ...drone.pos };
  drone.bat = Math.max(0, drone.bat - dtSeconds * (moving ? 0.05 : 0.01));
  const sent = nowNs();
  drone.seq++;
  const orbiting = !drone.pilot;
  drone.state = {
    id: drone.id,
    seq: drone.seq,
    sentAtNs: String(sent),
    ingestNs: String(sent + 400_000n),
    gridNs: String(sent + 1_500_000n),
    gatewayNs: '0',
    lat: drone.pos.lat, lon: drone.pos.lon,
    alt: drone.status === 'GROUNDED' ? 0 : orbiting ? drone.alt + Math.sin(drone.angle * 3) * 5 : drone.alt,
    hdg,
    spd: moving ? drone.speed : 0,
    climb: drone.status === 'TAKING_OFF' ? 2.5 : drone.status === 'LANDING' ? -2 : 0,
    bat: Math.round(drone.bat * 10) / 10,
    status: drone.status,
    flags: 8 | (drone.bat < 20 ? 1 : 0),
    node: drone.node,
  };
}

// ---- the toy autopilot: what the drones do with orders ------------------------------------------------------------
const HOME_SPEED_MPS = 60; // a mock: return home quickly, so the dashboard's timeline can be watched to the end
const VERTICAL_MPS = 10;

/** One step of the current job; returns the heading and whether the drone moves horizontally. */
function fly(drone, dt) {
  const p = drone.pilot;
  const hdgBefore = drone.state?.hdg ?? 0;
  const climbTo = (alt) => {
    if (alt === undefined || alt === null) return true;
    const d = alt - drone.alt;
    drone.alt += Math.sign(d) * Math.min(Math.abs(d), VERTICAL_MPS * dt);
    return Math.abs(alt - drone.alt) < 0.5;
  };
  const flyTo = (target, speed) => {
    const { east, north } = offset(drone.pos, target);
    const distance = Math.hypot(east, north);
    const stepM = speed * dt;
    if (distance <= Math.max(2, stepM)) {
      drone.pos = { lon: target.lon, lat: target.lat };
      return { arrived: true, distance: 0, hdg: hdgBefore };
    }
    drone.pos = { lon: drone.pos.lon + (east / distance) * stepM * metres.lon, lat: drone.pos.lat + (north / distance) * stepM * metres.lat };
    const hdg = ((Math.atan2(east, north) * 180) / Math.PI + 360) % 360;
    return { arrived: false, distance: distance - stepM, hdg };
  };
  switch (p.kind) {
    case 'goto': {
      drone.status = 'CRUISING';
      const leg = flyTo(p.target, p.speed ?? drone.speed);
      const level = climbTo(p.target.alt);
      progress(p.command, 100 * (1 - leg.distance / Math.max(1, p.startDistance)));
      if (leg.arrived && level) finishJob(drone, 'HOVERING');
      return { hdg: leg.hdg, moving: !leg.arrived };
    }
    case 'mission': {
      drone.status = 'CRUISING';
      const w = p.waypoints[p.index];
      if (p.holdUntil) {
        drone.status = 'HOVERING';
        if (Date.now() < p.holdUntil) return { hdg: hdgBefore, moving: false };
        p.holdUntil = 0;
        p.index++;
        p.command.waypointIndex = p.index;
        progress(p.command, (100 * p.index) / p.waypoints.length, true);
        if (p.index >= p.waypoints.length) finishJob(drone, 'HOVERING');
        return { hdg: hdgBefore, moving: false };
      }
      const leg = flyTo(w, w.speed ?? drone.speed);
      const level = climbTo(w.alt);
      if (leg.arrived && level) p.holdUntil = Date.now() + 1000 * (w.holdS ?? 0) + 1;
      return { hdg: leg.hdg, moving: !leg.arrived };
    }
    case 'home': {
      drone.status = 'RETURNING';
      const leg = flyTo(drone.home, HOME_SPEED_MPS);
      progress(p.command, 80 * (1 - leg.distance / Math.max(1, p.startDistance)));
      if (leg.arrived) drone.pilot = { ...p, kind: 'descend', startAlt: Math.max(1, drone.alt) };
      return { hdg: leg.hdg, moving: !leg.arrived };
    }
    case 'descend':
    case 'land': {
      drone.status = 'LANDING';
      climbTo(0);
      if (p.kind === 'descend') progress(p.command, 80 + 20 * (1 - drone.alt / p.startAlt));
      else progress(p.command, 100 * (1 - drone.alt / Math.max(1, p.startAlt)));
      if (drone.alt <= 0.5) {
        drone.alt = 0;
        finishJob(drone, 'GROUNDED');
      }
      return { hdg: hdgBefore, moving: false };
    }
    case 'takeoff': {
      drone.status = 'TAKING_OFF';
      if (climbTo(p.alt)) finishJob(drone, 'HOVERING');
      else progress(p.command, 100 * (drone.alt / p.alt));
      return { hdg: hdgBefore, moving: false };
    }
    case 'hover':
      drone.status = 'HOVERING';
      return { hdg: hdgBefore, moving: false };
    case 'ground':
    default:
      drone.status = 'GROUNDED';
      drone.alt = 0;
      return { hdg: hdgBefore, moving: false };
  }
}

/** The current job is done: the command completes (its effect is there) and the drone waits in `status`. */
function finishJob(drone, status) {
  const command = drone.pilot?.command;
  drone.status = status;
  drone.pilot = { kind: status === 'GROUNDED' ? 'ground' : 'hover', previous: drone.pilot?.previous ?? null };
  if (command) transition(command, 'completed', null, 100);
}

let lastStep = Date.now();
for (const d of fleet) step(d, 0);

// ---- the command ledger (docs/api/commands.md) ------------------------------------------------------------------------
const FINAL = new Set(['rejected', 'completed', 'failed', 'expired', 'cancelled']);
const commands = new Map();
let nextCommandId = 714262388312064000n;
const commandWatchers = new Set();
const idempotency = new Map();
const geofences = new Map();
let nextFenceId = 1;

function broadcastCommand(command) {
  const text = JSON.stringify({ type: 'command', command });
  for (const ws of commandWatchers) if (ws.readyState === 1) ws.send(text);
}

function transition(command, state, reason = null, progressPct = command.progress) {
  if (FINAL.has(command.state)) return;
  const at = new Date().toISOString();
  command.state = state;
  command.reason = reason;
  command.progress = progressPct;
  command.transitions.push({ state, at, reason, progress: progressPct });
  const since = Date.now() - Date.parse(command.issuedAt);
  if ((state === 'accepted' || state === 'rejected') && command.ackMs === null) command.ackMs = since;
  if (state === 'completed') command.effectMs = since;
  broadcastCommand(command);
}

/** Progress within `in-progress`: at most one update a second reaches the watchers (or at once when `now`). */
function progress(command, pct, now = false) {
  if (!command || command.state !== 'in-progress') return;
  command.progress = Math.max(command.progress ?? 0, Math.min(100, Math.round(pct * 10) / 10));
  if (now || Date.now() - (command.lastProgressMs ?? 0) >= 1000) {
    command.lastProgressMs = Date.now();
    broadcastCommand(command);
  }
}

function newCommand(droneId, type, params, by, key) {
  const now = Date.now();
  const command = {
    id: String(nextCommandId++), droneId, type, params, state: 'issued', reason: null, progress: 0,
    waypointIndex: type === 'mission' ? 0 : null, idempotencyKey: key ?? null, issuedBy: by, issuedFrom: '127.0.0.1',
    issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 1000 * (params.expiresInS ?? 300)).toISOString(),
    node: fleet.find((d) => d.id === droneId)?.node ?? null, attempts: 0, transitions: [], ackMs: null, effectMs: null,
  };
  delete params.expiresInS;
  command.transitions.push({ state: 'issued', at: command.issuedAt, reason: null, progress: 0 });
  commands.set(command.id, command);
  broadcastCommand(command);
  return command;
}

/** Why the drone would refuse the command (null: it takes it). */
function refusal(drone, command) {
  const airborne = drone.status !== 'GROUNDED';
  switch (command.type) {
    case 'takeoff': return airborne ? 'ALREADY_AIRBORNE' : null;
    case 'goto': case 'mission': case 'hold': case 'return-to-home': case 'land': return airborne ? null : 'NOT_AIRBORNE';
    case 'resume': return drone.pilot && drone.pilot.kind === 'hover' && airborne ? null : 'NOTHING_TO_RESUME';
    default: return null;
  }
}

/** The ground relays the command: sent, then the drone's answer, then it flies it. */
function deliver(command) {
  const drone = fleet.find((d) => d.id === command.droneId);
  setTimeout(() => {
    command.attempts = 1;
    transition(command, 'sent');
    setTimeout(() => {
      const reason = refusal(drone, command);
      if (reason) return transition(command, 'rejected', reason);
      transition(command, 'accepted');
      setTimeout(() => start(drone, command), 40);
    }, 30 + random() * 40);
  }, 10 + random() * 20);
}

function start(drone, command) {
  if (FINAL.has(command.state)) return;
  const p = command.params;
  const supersede = () => {
    const previous = drone.pilot?.command;
    if (previous && previous !== command) transition(previous, 'cancelled', 'SUPERSEDED');
  };
  if (!drone.pilot) drone.alt = drone.state?.alt ?? drone.alt; // no jump from the circles' wobble
  transition(command, 'in-progress', null, 0);
  const here = drone.pos;
  switch (command.type) {
    case 'goto': {
      supersede();
      const target = { lat: p.lat, lon: p.lon, alt: p.alt };
      const o = offset(here, target);
      drone.pilot = { kind: 'goto', command, target, speed: p.speed, startDistance: Math.hypot(o.east, o.north) };
      break;
    }
    case 'mission':
      supersede();
      drone.pilot = { kind: 'mission', command, waypoints: p.waypoints, index: 0, holdUntil: 0 };
      break;
    case 'return-to-home': {
      supersede();
      const o = offset(here, drone.home);
      drone.pilot = { kind: 'home', command, startDistance: Math.hypot(o.east, o.north) };
      break;
    }
    case 'land':
      supersede();
      drone.pilot = { kind: 'land', command, startAlt: Math.max(1, drone.alt) };
      break;
    case 'takeoff':
      drone.pilot = { kind: 'takeoff', command, alt: p.alt ?? 30 };
      break;
    case 'hold':
      supersede();
      drone.pilot = { kind: 'hover' };
      drone.status = 'HOVERING';
      transition(command, 'completed', null, 100);
      break;
    case 'resume': {
      // Back to its circles, from where it is now.
      const pos = drone.pos;
      drone.orbit.lon = pos.lon - Math.cos(drone.angle) * drone.orbit.r * metres.lon;
      drone.orbit.lat = pos.lat - Math.sin(drone.angle) * drone.orbit.r * metres.lat;
      drone.pilot = null;
      drone.status = 'CRUISING';
      transition(command, 'completed', null, 100);
      break;
    }
    case 'stop':
      supersede();
      drone.pilot = { kind: 'ground' };
      drone.alt = 0;
      drone.status = 'GROUNDED';
      transition(command, 'completed', null, 100);
      break;
    case 'set-speed':
      drone.speed = p.speed;
      transition(command, 'completed', null, 100);
      break;
    case 'cancel': {
      const target = commands.get(p.targetCommandId);
      if (target && !FINAL.has(target.state)) {
        transition(target, 'cancelled', 'CANCELLED_BY_OPERATOR');
        if (drone.pilot?.command === target) drone.pilot = { kind: drone.status === 'GROUNDED' ? 'ground' : 'hover' };
      }
      transition(command, 'completed', null, 100);
      break;
    }
    default:
      transition(command, 'failed', 'INVALID_PARAMETERS');
  }
}

function pointInRing(ring, lon, lat) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The fence a target breaks, if any (only the points are checked, not the path: a mock). */
function fenceBroken(points) {
  for (const fence of geofences.values()) {
    const ring = fence.geometry.coordinates[0];
    for (const [lon, lat] of points) {
      const inside = pointInRing(ring, lon, lat);
      if (fence.properties.kind === 'keep-out' && inside) return `the target is inside the keep-out fence '${fence.properties.name}'`;
      if (fence.properties.kind === 'keep-in' && !inside) return `the target leaves the keep-in fence '${fence.properties.name}'`;
    }
  }
  return null;
}

const TYPES_ALLOWED = ['takeoff', 'goto', 'mission', 'hold', 'resume', 'return-to-home', 'land', 'set-speed', 'cancel', 'stop'];
const finite = (v) => typeof v === 'number' && Number.isFinite(v);

/** The checks of POST /api/v1/commands (a subset of the gateway's); returns [params] or [null, problem]. */
function validateCommand(body) {
  const bad = (detail) => [null, { status: 400, title: 'Bad Request', detail }];
  if (!TYPES_ALLOWED.includes(body.type)) return bad(`unknown command type ${JSON.stringify(body.type)}`);
  const params = {};
  if (body.expiresInS !== undefined) {
    if (!finite(body.expiresInS) || body.expiresInS < 1 || body.expiresInS > 86400) return bad('expiresInS must be 1..86400');
    params.expiresInS = body.expiresInS;
  }
  const speedOk = (v) => v === undefined || (finite(v) && v >= 1 && v <= 60);
  if (body.type === 'goto') {
    if (!finite(body.lat) || Math.abs(body.lat) > 90 || !finite(body.lon) || Math.abs(body.lon) > 180) return bad('goto needs lat and lon');
    if (body.alt !== undefined && !(finite(body.alt) && body.alt > 0)) return bad('alt out of range');
    if (!speedOk(body.speed)) return bad('speed must be 1..60');
    Object.assign(params, { lat: body.lat, lon: body.lon, alt: body.alt, speed: body.speed });
  } else if (body.type === 'takeoff') {
    if (body.alt !== undefined && !(finite(body.alt) && body.alt > 0)) return bad('alt out of range');
    params.alt = body.alt ?? 30;
  } else if (body.type === 'set-speed') {
    if (body.speed === undefined || !speedOk(body.speed)) return bad('set-speed needs a speed of 1..60');
    params.speed = body.speed;
  } else if (body.type === 'mission') {
    const w = body.waypoints;
    if (!Array.isArray(w) || w.length < 1 || w.length > 100) return bad('a mission has 1..100 waypoints');
    if (!w.every((p) => finite(p?.lat) && finite(p?.lon))) return bad('every waypoint needs lat and lon');
    params.waypoints = w.map(({ lat, lon, alt, speed, holdS }) => ({ lat, lon, alt, speed, holdS }));
  } else if (body.type === 'cancel') {
    if (typeof body.targetCommandId !== 'string') return bad('cancel needs targetCommandId');
    params.targetCommandId = body.targetCommandId;
  }
  for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
  return [params, null];
}

/** One drone's command, or a problem (which, for a geofence refusal, is recorded in the ledger as rejected). */
function orderOne(droneId, params, body, who, key) {
  const drone = fleet.find((d) => d.id === droneId);
  if (!drone) return { problem: { status: 404, title: 'Not Found', detail: `no drone ${droneId} in the fleet map` } };
  const scopedKey = key ? `${who.name}/${key}` : null;
  if (scopedKey && idempotency.has(scopedKey)) return { command: idempotency.get(scopedKey), repeated: true };
  const targets = body.type === 'goto' ? [[params.lon, params.lat]] : body.type === 'mission' ? params.waypoints.map((w) => [w.lon, w.lat]) : [];
  const broken = targets.length > 0 ? fenceBroken(targets) : null;
  const command = newCommand(droneId, body.type, { ...params }, who.name, key);
  if (scopedKey) idempotency.set(scopedKey, command);
  if (broken) {
    transition(command, 'rejected', 'GEOFENCE');
    return { problem: { status: 422, title: 'Unprocessable Entity', detail: broken, code: 'GEOFENCE', commandId: command.id } };
  }
  deliver(command);
  return { command };
}

function commandsPost(body, who, headerKey) {
  const [params, invalid] = validateCommand(body ?? {});
  if (invalid) return { status: 400, problem: invalid };
  const key = body.idempotencyKey ?? headerKey;
  if (Array.isArray(body.droneIds)) {
    const created = [];
    const refused = [];
    for (const id of body.droneIds) {
      const r = orderOne(id, params, body, who, key ? `${key}/${id}` : null);
      if (r.problem) refused.push({ droneId: id, status: r.problem.status, title: r.problem.title, detail: r.problem.detail });
      else created.push(r.command);
    }
    return { status: 202, body: { commands: created, refused } };
  }
  if (typeof body.droneId !== 'number') return { status: 400, problem: { status: 400, title: 'Bad Request', detail: 'droneId, droneIds or selection needed' } };
  const r = orderOne(body.droneId, params, body, who, key);
  if (r.problem) return { status: r.problem.status, problem: r.problem };
  return { status: r.repeated ? 200 : 202, body: r.command };
}

function droneCommands(id, limit = 20) {
  return [...commands.values()].filter((c) => c.droneId === id).sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, limit);
}

// ---- access ----------------------------------------------------------------------------------------------------------
/** The identity of a request: its bearer token's, anonymous if allowed, or null (401). */
function identify(token) {
  if (token) return TOKENS.get(token) ?? null;
  return ANONYMOUS_ROLE !== 'none' ? { name: 'anonymous', role: ANONYMOUS_ROLE } : null;
}

function bearer(req) {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Bearer ') ? header.slice(7).trim() : null;
}

function protocolToken(req) {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const entry = offered.find((p) => p.startsWith('bearer.'));
  return entry ? entry.slice('bearer.'.length) : null;
}

const may = (who, role) => ROLES.indexOf(who.role) >= ROLES.indexOf(role);

// ---- clients -----------------------------------------------------------------------------------------------------
const metrics = { connections: 0, framesSent: 0, errors: {}, subscribes: 0 };
const clients = new Set();

function inBox(box, lon, lat) {
  if (!box) return true;
  const [w, s, e, n] = box;
  if (lat < s || lat > n) return false;
  return w <= e ? lon >= w && lon <= e : lon >= w || lon <= e;
}

function validBox(box) {
  if (box === null) return true;
  if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v))) return false;
  const [w, s, e, n] = box;
  return w >= -180 && w <= 180 && e >= -180 && e <= 180 && s >= -90 && n <= 90 && s < n;
}

function send(client, message) {
  if (client.ws.readyState !== 1) return;
  // Back-pressure like the gateway: skip frames while the client is behind (its drones stay dirty).
  if (client.ws.bufferedAmount > 1024 * 1024 && message.type === 'changes') return false;
  client.ws.send(JSON.stringify(message));
  metrics.framesSent++;
  return true;
}

function stamp(state) {
  return { ...state, gatewayNs: String(nowNs()) };
}

function snapshot(client) {
  client.visible = new Set();
  client.dirty.clear();
  const drones = [];
  for (const d of fleet) {
    if (d.state && inBox(client.bbox, d.state.lon, d.state.lat)) {
      drones.push(stamp(d.state));
      client.visible.add(d.id);
    }
  }
  send(client, { type: 'snapshot', drones, bbox: client.bbox });
}

function flush(client) {
  if (client.dirty.size === 0) return;
  const drones = [];
  const removed = [];
  for (const id of client.dirty) {
    const d = fleet[id - 1001];
    const inside = inBox(client.bbox, d.state.lon, d.state.lat);
    if (inside) {
      drones.push(stamp(d.state));
      client.visible.add(id);
    } else if (client.visible.delete(id)) {
      removed.push(id);
    }
  }
  if (drones.length === 0 && removed.length === 0) {
    client.dirty.clear();
    return;
  }
  if (send(client, { type: 'changes', drones, removed }) !== false) client.dirty.clear();
}

function onClientMessage(client, data, isBinary) {
  const error = (code, message) => {
    metrics.errors[code] = (metrics.errors[code] ?? 0) + 1;
    send(client, { type: 'error', code, message });
  };
  if (isBinary) return error('BAD_JSON', 'binary frames are not accepted');
  if (data.length > MAX_MESSAGE_BYTES) return error('TOO_LARGE', `message over ${MAX_MESSAGE_BYTES} bytes`);
  let message;
  try {
    message = JSON.parse(data.toString('utf8'));
  } catch {
    return error('BAD_JSON', 'not JSON');
  }
  if (message?.type === 'ping') return send(client, { type: 'pong', serverTimeMs: Date.now() });
  if (message?.type !== 'subscribe') return error('UNKNOWN_TYPE', `unknown type ${JSON.stringify(message?.type)}`);
  const bbox = message.bbox ?? null;
  if (!validBox(bbox)) return error('BAD_BBOX', 'bbox must be [west, south, east, north] in degrees, south < north');
  metrics.subscribes++;
  client.bbox = bbox;
  snapshot(client);
}

// ---- the simulation and fan-out loops -------------------------------------------------------------------------------
const simulation = setInterval(() => {
  const now = Date.now();
  const dt = (now - lastStep) / 1000;
  lastStep = now;
  for (const d of fleet) {
    if (now < d.nextSendMs) continue;
    // Keep each drone's phase (a stall must not line the whole fleet up into bursts).
    d.nextSendMs += 1000 / RATE_HZ;
    if (d.nextSendMs <= now) d.nextSendMs = now + random() * (1000 / RATE_HZ);
    step(d, Math.max(dt, 1 / RATE_HZ));
    for (const client of clients) client.dirty.add(d.id);
  }
}, 10);
const fanOut = setInterval(() => {
  for (const client of clients) flush(client);
}, Math.max(COALESCE_MS, 5));

// ---- HTTP ---------------------------------------------------------------------------------------------------------
// The content types the real gateway (Undertow's defaults) sends; anything else goes out as octet-stream, as there.
const TYPES = {
  '.html': 'text/html', '.js': 'application/javascript', '.css': 'text/css', '.json': 'application/json',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.gif': 'image/gif', '.txt': 'text/plain',
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname.startsWith('/api/')) {
    let text = '';
    req.on('data', (chunk) => { text += chunk; });
    req.on('end', () => api(req, res, url, text));
    return undefined;
  }
  if (url.pathname === '/config.json') {
    return reply(res, 200, 'application/json', JSON.stringify({ tileUrl: TILE_URL, tileAttribution: '', wsPath: '/ws/fleet', coalesceMs: COALESCE_MS }));
  }
  if (url.pathname.startsWith('/mock-tiles/')) {
    res.writeHead(200, { 'Content-Type': 'image/png', 'Cache-Control': 'no-store' });
    return res.end(mockTile(url.pathname));
  }
  if (url.pathname === '/health') return reply(res, 200, 'application/json', '{"status":"UP"}');
  if (url.pathname === '/metrics') {
    const lines = [
      '# TYPE odyssey_ws_connections_total counter',
      `odyssey_ws_connections_total{service="mock-gateway"} ${metrics.connections}`,
      `odyssey_ws_frames_sent_total{service="mock-gateway"} ${metrics.framesSent}`,
      `odyssey_ws_subscribes_total{service="mock-gateway"} ${metrics.subscribes}`,
      `odyssey_ws_clients{service="mock-gateway"} ${clients.size}`,
      ...Object.entries(metrics.errors).map(([code, n]) => `odyssey_ws_client_errors_total{code="${code}"} ${n}`),
    ];
    return reply(res, 200, 'text/plain; version=0.0.4', lines.join('\n') + '\n');
  }
  if (url.pathname === '/mock/kick' && req.method === 'POST') {
    for (const client of clients) client.ws.close(1012, 'mock restart');
    for (const ws of commandWatchers) ws.close(1012, 'mock restart');
    return reply(res, 200, 'text/plain', 'kicked\n');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'text/plain', 'method not allowed');
  const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
  const file = path.join(DIST, path.normalize(relative).replace(/^(\.\.[/\\])+/, ''));
  if (!file.startsWith(DIST) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    if (!fs.existsSync(path.join(DIST, 'index.html'))) return reply(res, 503, 'text/plain', `ui not built: no ${DIST}/index.html\n`);
    return reply(res, 404, 'text/plain', 'not found\n');
  }
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Cache-Control': relative.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') return res.end();
  fs.createReadStream(file).pipe(res);
});

/** A light stand-in raster tile: a tinted square with its z/x/y drawn as a border pattern. */
function mockTile(pathname) {
  const [z = 0, x = 0, y = 0] = pathname.split('/').slice(2).map((v) => parseInt(v, 10) || 0);
  const png = new PNG({ width: 256, height: 256 });
  for (let py = 0; py < 256; py++) {
    for (let px = 0; px < 256; px++) {
      const i = (py * 256 + px) * 4;
      const edge = px < 2 || py < 2;
      const shade = 200 + ((x + y + z) % 3) * 15;
      png.data[i] = edge ? 120 : shade - 20;
      png.data[i + 1] = edge ? 130 : shade - 5;
      png.data[i + 2] = edge ? 140 : shade;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

function problem(res, status, title, detail = '', extra = {}) {
  const headers = { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' };
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
  res.writeHead(status, headers);
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }));
}

function json(res, status, body) {
  reply(res, status, 'application/json', JSON.stringify(body));
}

/** The REST API: whoami, drones, commands, geofences (docs/api/commands.md), behind bearer tokens. */
function api(req, res, url, text) {
  const who = identify(bearer(req));
  if (!who) return problem(res, 401, 'Unauthorized', 'a bearer token is needed');
  const path = url.pathname.replace(/\/+$/, '');
  const method = req.method;
  const need = (role) => {
    if (may(who, role)) return true;
    problem(res, 403, 'Forbidden', `${who.name} is a ${who.role}; this needs ${role}`);
    return false;
  };
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      return problem(res, 400, 'Bad Request', 'the body is not JSON');
    }
  }
  let m;
  if (method === 'GET' && path === '/api/v1/whoami') return json(res, 200, who);
  if (method === 'GET' && path === '/api/v1/drones') {
    const drones = fleet.map((d) => d.state).filter(Boolean).map(stamp);
    return json(res, 200, { drones, count: drones.length });
  }
  if (method === 'GET' && (m = /^\/api\/v1\/drones\/(\d+)$/.exec(path))) {
    const drone = fleet.find((d) => d.id === Number(m[1]));
    if (!drone) return problem(res, 404, 'Not Found', `no drone ${m[1]} in the fleet map`);
    return json(res, 200, { ...stamp(drone.state), commands: droneCommands(drone.id) });
  }
  if (path === '/api/v1/commands' && method === 'POST') {
    if (!need('operator')) return undefined;
    const answer = commandsPost(body, who, req.headers['idempotency-key']);
    if (answer.problem) return problem(res, answer.status, answer.problem.title, answer.problem.detail, { code: answer.problem.code, commandId: answer.problem.commandId });
    return json(res, answer.status, answer.body);
  }
  if (path === '/api/v1/commands' && method === 'GET') {
    const q = url.searchParams;
    let list = [...commands.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
    if (q.has('droneId')) list = list.filter((c) => c.droneId === Number(q.get('droneId')));
    if (q.has('state')) list = list.filter((c) => c.state === q.get('state'));
    if (q.get('active') === 'true') list = list.filter((c) => !FINAL.has(c.state));
    return json(res, 200, { commands: list.slice(0, Number(q.get('limit') ?? 100)) });
  }
  if (method === 'GET' && (m = /^\/api\/v1\/commands\/(\d+)$/.exec(path))) {
    const command = commands.get(m[1]);
    return command ? json(res, 200, command) : problem(res, 404, 'Not Found', `no command ${m[1]}`);
  }
  if (method === 'POST' && (m = /^\/api\/v1\/commands\/(\d+)\/cancel$/.exec(path))) {
    if (!need('operator')) return undefined;
    const target = commands.get(m[1]);
    if (!target) return problem(res, 404, 'Not Found', `no command ${m[1]}`);
    if (FINAL.has(target.state)) return problem(res, 409, 'Conflict', `command ${m[1]} is already ${target.state}`);
    const cancel = newCommand(target.droneId, 'cancel', { targetCommandId: target.id }, who.name, null);
    deliver(cancel);
    return json(res, 202, cancel);
  }
  if (path === '/api/v1/geofences' && method === 'GET') {
    return json(res, 200, { type: 'FeatureCollection', features: [...geofences.values()] });
  }
  if (path === '/api/v1/geofences' && method === 'POST') {
    if (!need('admin')) return undefined;
    const ring = body?.geometry?.coordinates?.[0];
    const kind = body?.properties?.kind;
    if (body?.geometry?.type !== 'Polygon' || !Array.isArray(ring) || new Set(ring.map(String)).size < 3) {
      return problem(res, 400, 'Bad Request', 'a polygon needs at least 3 distinct points');
    }
    if (kind !== 'keep-in' && kind !== 'keep-out') return problem(res, 400, 'Bad Request', 'kind must be keep-in or keep-out');
    if (kind === 'keep-in' && [...geofences.values()].some((f) => f.properties.kind === 'keep-in')) {
      return problem(res, 400, 'Bad Request', 'there is a keep-in fence already');
    }
    const id = String(nextFenceId++);
    const feature = { type: 'Feature', id, properties: { name: String(body.properties.name ?? ''), kind }, geometry: body.geometry };
    geofences.set(id, feature);
    return json(res, 201, feature);
  }
  if (method === 'DELETE' && (m = /^\/api\/v1\/geofences\/([^/]+)$/.exec(path))) {
    if (!need('admin')) return undefined;
    if (!geofences.delete(decodeURIComponent(m[1]))) return problem(res, 404, 'Not Found', `no fence ${m[1]}`);
    res.writeHead(204);
    return res.end();
  }
  return problem(res, 404, 'Not Found', `${method} ${path} is not in this mock`);
}

function reply(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

// Browsers cannot send headers on a handshake: the token comes as the subprotocol `bearer.<token>`, and the server
// answers with `odyssey.v1` (a browser that offered subprotocols refuses a handshake that picks none).
const handleProtocols = (protocols) => (protocols.has('odyssey.v1') ? 'odyssey.v1' : false);
const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, handleProtocols });
const commandsWss = new WebSocketServer({ noServer: true, handleProtocols });
server.on('upgrade', (req, socket, head) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  const target = pathname === '/ws/fleet' ? wss : pathname === '/ws/commands' ? commandsWss : null;
  if (!target) return socket.destroy();
  if (!identify(protocolToken(req))) {
    socket.write('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nConnection: close\r\n\r\n');
    return socket.destroy();
  }
  target.handleUpgrade(req, socket, head, (ws) => target.emit('connection', ws, req));
  return undefined;
});
wss.on('connection', (ws) => {
  metrics.connections++;
  const client = { ws, bbox: null, dirty: new Set(), visible: new Set() };
  clients.add(client);
  ws.on('message', (data, isBinary) => onClientMessage(client, data, isBinary));
  ws.on('close', () => clients.delete(client));
  ws.on('error', () => clients.delete(client));
  send(client, { type: 'hello', protocol: 1, coalesceMs: COALESCE_MS, serverTimeMs: Date.now() });
  snapshot(client);
});
commandsWss.on('connection', (ws) => {
  commandWatchers.add(ws);
  ws.on('close', () => commandWatchers.delete(ws));
  ws.on('error', () => commandWatchers.delete(ws));
  const recent = [...commands.values()].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, 200);
  ws.send(JSON.stringify({ type: 'commands', commands: recent }));
});

server.listen(PORT, HOST, () => {
  console.log(`mock gateway (DEV ONLY): http://${HOST}:${PORT}/  drones=${DRONES} rate=${RATE_HZ}Hz coalesce=${COALESCE_MS}ms dist=${DIST}`);
  for (const [secret, { name, role }] of TOKENS) console.log(`  token ${name} (${role}): ${secret}`);
  console.log(`  anonymous requests: ${ANONYMOUS_ROLE === 'none' ? 'refused' : ANONYMOUS_ROLE}`);
});

function shutdown() {
  clearInterval(simulation);
  clearInterval(fanOut);
  for (const client of clients) client.ws.terminate();
  for (const ws of commandWatchers) ws.terminate();
  wss.close();
  commandsWss.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
