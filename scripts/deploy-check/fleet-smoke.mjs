// The smoke check of a running Odyssey, as a user would see it: the gateway says it is ready, and its live feed
// (/ws/fleet) shows drones that move. Exits 0 when at least --drones drones were seen and one of them sent newer
// telemetry; 1 (with the reason) when that did not happen within --timeout seconds.
// Usage: node fleet-smoke.mjs --url http://127.0.0.1:8080 --token <viewer token or better> [--drones 1] [--timeout 300]
import WebSocket from 'ws';

const options = { url: 'http://127.0.0.1:8080', token: process.env.ODYSSEY_TOKEN ?? '', drones: 1, timeout: 300 };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) options[args[i].replace(/^--/, '')] = args[i + 1];
const deadline = Date.now() + Number(options.timeout) * 1000;
const base = options.url.replace(/\/$/, '');
const log = (message) => console.log(`smoke: ${message}`);
const fail = (message) => { console.log(`smoke: FAILED: ${message}`); process.exit(1); };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function status(path) {
  try {
    const response = await fetch(base + path, { signal: AbortSignal.timeout(5000) });
    return response.status;
  } catch {
    return 0;
  }
}

// 1. Ready: its dependencies (the grid) are there. A gateway from before /health/ready answers the same on /health.
let last = 0;
for (;;) {
  last = await status('/health/ready');
  if (last === 404) last = await status('/health');
  if (last === 200) break;
  if (Date.now() > deadline) fail(`${base}/health/ready did not answer 200 (last: ${last || 'no answer'})`);
  await sleep(2000);
}
log(`${base} is ready`);

// 2. Drones on the live feed, and one of them moving on.
const seen = new Map();
let moved = null;
for (;;) {
  const remaining = deadline - Date.now();
  if (remaining <= 0) fail(`${seen.size} drone(s) seen on /ws/fleet, ${options.drones} wanted, ${moved ? 'one moving' : 'none moving'}`);
  const outcome = await new Promise((resolve) => {
    const socket = new WebSocket(base.replace(/^http/, 'ws') + '/ws/fleet', ['odyssey.v1', `bearer.${options.token}`]);
    const timer = setTimeout(() => { socket.terminate(); resolve('timed out'); }, Math.min(remaining, 30000));
    socket.on('unexpected-response', (request, response) => {
      clearTimeout(timer);
      resolve(`handshake refused with ${response.statusCode}${response.statusCode === 401 ? ' (token)' : ''}`);
    });
    socket.on('error', (error) => { clearTimeout(timer); resolve(error.message); });
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      for (const drone of message.drones ?? []) {
        const before = seen.get(drone.id);
        if (before !== undefined && drone.seq > before && moved === null) moved = { id: drone.id, from: before, to: drone.seq };
        seen.set(drone.id, Math.max(before ?? 0, drone.seq));
      }
      if (seen.size >= Number(options.drones) && moved !== null) {
        clearTimeout(timer);
        socket.close();
        resolve('ok');
      }
    });
    socket.on('close', () => { clearTimeout(timer); resolve('closed'); });
  });
  if (outcome === 'ok') break;
  if (outcome.startsWith('handshake refused with 4')) fail(outcome);
  log(`/ws/fleet: ${outcome}; ${seen.size} drone(s) so far, trying again`);
  await sleep(2000);
}
log(`${seen.size} drone(s) on /ws/fleet; drone ${moved.id} moved on (seq ${moved.from} -> ${moved.to})`);
