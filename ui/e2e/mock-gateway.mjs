#!/usr/bin/env node
// DEV ONLY: a stand-in for the Java ws-gateway, to develop and check the dashboard without the real stack.
// It serves ui/dist, GET /config.json, GET /metrics (a few gateway counters) and speaks the /ws/fleet contract
// (docs/api/websocket.md) for a fleet of fake drones flying circles. The real system test never uses it.
//
//   node ui/e2e/mock-gateway.mjs [--port 8099] [--drones 300] [--rate 5] [--coalesce-ms 16] [--dist ui/dist]
//                                [--tile-url https://.../{z}/{x}/{y}.png]
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
  };
});

function nowNs() {
  const ms = Date.now();
  const subMs = Math.floor(Number(process.hrtime.bigint() % 1_000_000n));
  return BigInt(ms) * 1_000_000n + BigInt(subMs);
}

function step(drone, dtSeconds) {
  const moving = drone.status !== 'GROUNDED' && drone.status !== 'HOVERING';
  if (moving) drone.angle += (drone.direction * drone.speed * dtSeconds) / drone.orbit.r;
  drone.bat = Math.max(0, drone.bat - dtSeconds * (moving ? 0.05 : 0.01));
  if (random() < 0.0004) drone.status = STATUSES[1 + Math.floor(random() * 5)];
  const lon = drone.orbit.lon + Math.cos(drone.angle) * drone.orbit.r * metres.lon;
  const lat = drone.orbit.lat + Math.sin(drone.angle) * drone.orbit.r * metres.lat;
  // Heading of a circle: tangent direction, in degrees clockwise from north.
  const tangent = drone.direction > 0 ? drone.angle + Math.PI / 2 : drone.angle - Math.PI / 2;
  const hdg = ((90 - (tangent * 180) / Math.PI) % 360 + 360) % 360;
  const sent = nowNs();
  drone.seq++;
  drone.state = {
    id: drone.id,
    seq: drone.seq,
    sentAtNs: String(sent),
    ingestNs: String(sent + 400_000n),
    gridNs: String(sent + 1_500_000n),
    gatewayNs: '0',
    lat, lon,
    alt: drone.status === 'GROUNDED' ? 0 : drone.alt + Math.sin(drone.angle * 3) * 5,
    hdg,
    spd: moving ? drone.speed : 0,
    climb: drone.status === 'TAKING_OFF' ? 2.5 : drone.status === 'LANDING' ? -2 : 0,
    bat: Math.round(drone.bat * 10) / 10,
    status: drone.status,
    flags: 8 | (drone.bat < 20 ? 1 : 0),
    node: drone.node,
  };
}
let lastStep = Date.now();
for (const d of fleet) step(d, 0);

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

function reply(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

const wss = new WebSocketServer({ server, path: '/ws/fleet', maxPayload: 1024 * 1024 });
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

server.listen(PORT, HOST, () => {
  console.log(`mock gateway (DEV ONLY): http://${HOST}:${PORT}/  drones=${DRONES} rate=${RATE_HZ}Hz coalesce=${COALESCE_MS}ms dist=${DIST}`);
});

function shutdown() {
  clearInterval(simulation);
  clearInterval(fanOut);
  for (const client of clients) client.ws.terminate();
  wss.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
