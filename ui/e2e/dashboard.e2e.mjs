#!/usr/bin/env node
// Browser test of the live dashboard, as an operator would see it, against a RUNNING stack (the lead's test runner
// starts the real gateway, grid, ingest and simulator first).
// Debian's chromium driven by playwright-core. Prints "N passed, M failed" last; exit code 0 only if all passed.
//
// Env: ODYSSEY_URL (default http://127.0.0.1:8080/), E2E_MIN_DRONES (default 50), E2E_ARTIFACTS (default
// ui/e2e/artifacts: dashboard.png, demo.gif), E2E_DEMO_GIF (also copy the GIF there), CHROMIUM_PATH
// (default /usr/bin/chromium), E2E_TIMEOUT_S (whole run, default 600), E2E_OPERATOR_TOKEN (an operator's access
// token: the test signs in with it and sends a return-to-home; without it only an anonymous viewer's checks run),
// E2E_RTH_TIMEOUT_S (how long the drone sent home may take to land there, default 240), E2E_SLOW_WORKER_MS (a page
// that falls behind, to show the backlog check fails on one: the fleet worker takes one socket message per that many ms
// and never asks the gateway for flow control, so messages queue in the browser; never set in CI).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import gifenc from 'gifenc';
import pngjs from 'pngjs';

const { GIFEncoder, quantize, applyPalette } = gifenc;
const { PNG } = pngjs;
const here = path.dirname(fileURLToPath(import.meta.url));

const url = process.env.ODYSSEY_URL ?? 'http://127.0.0.1:8080/';
const minDrones = Number(process.env.E2E_MIN_DRONES ?? 50);
// The stack's last E2E_MAVLINK_DRONES drones fly as MAVLink vehicles through the MAVLink edge (./odyssey up --mavlink).
const mavlinkDrones = Number(process.env.E2E_MAVLINK_DRONES ?? 0);
const artifacts = path.resolve(process.env.E2E_ARTIFACTS ?? path.join(here, 'artifacts'));
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const totalTimeoutMs = Number(process.env.E2E_TIMEOUT_S ?? 600) * 1000;
const operatorToken = (process.env.E2E_OPERATOR_TOKEN ?? '').trim();
const rthTimeoutMs = Number(process.env.E2E_RTH_TIMEOUT_S ?? 240) * 1000;
const runDeadline = Date.now() + totalTimeoutMs;
const FINAL_STATES = ['rejected', 'completed', 'failed', 'expired', 'cancelled'];
const STATE_RANK = { issued: 0, sent: 1, accepted: 2, 'in-progress': 3 };
const stateRank = (state) => STATE_RANK[state] ?? (FINAL_STATES.includes(state) ? 4 : 2);
const origin = new URL(url).origin;
fs.mkdirSync(artifacts, { recursive: true });

// The flags STACK.md prescribes, plus a software WebGL context for MapLibre (headless machines have no GPU):
// ANGLE on SwiftShader. Chromium 156 falls back to SwiftShader on its own in headless mode, other versions need
// these two flags (playwright-core also adds --enable-unsafe-swiftshader by default).
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
];
// Status colours as the dashboard draws them (src/model.ts), and its map background (src/fleetMap.ts).
const STATUS_RGB = {
  GROUNDED: [0x8b, 0x95, 0xa7], TAKING_OFF: [0x38, 0xbd, 0xf8], CRUISING: [0x4a, 0xde, 0x80], HOVERING: [0xfa, 0xcc, 0x15],
  LANDING: [0xa7, 0x8b, 0xfa], RETURNING: [0xfb, 0x92, 0x3c], EMERGENCY: [0xf4, 0x3f, 0x5e],
};
const BACKGROUND_RGB = [0x0b, 0x12, 0x20];

const results = [];
const log = (line) => console.log(line);

async function check(name, fn) {
  const started = Date.now();
  try {
    const note = await fn();
    // A check that could not apply says so ("skipped: why") and is counted as skipped, not as passed.
    if (typeof note === 'string' && note.startsWith('skipped')) {
      results.push({ name, ok: true, skipped: true });
      log(`  - ${name}: ${note}`);
      return;
    }
    results.push({ name, ok: true });
    log(`  ✓ ${name} (${Date.now() - started} ms)${note ? ` — ${note}` : ''}`);
  } catch (error) {
    results.push({ name, ok: false });
    log(`  ✗ ${name}: ${String(error?.message ?? error).split('\n')[0]}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const waitFor = (page, fn, arg, timeout = 30_000) => page.waitForFunction(fn, arg, { timeout, polling: 200 });
/**
 * The bound for a wait on what a click or a page load shows (a panel opening, a prompt's text), where the page may
 * legitimately be slow: at 1,000 drones on a loaded two-core machine a page just signed in is busy for seconds with its
 * snapshot, its first alerts and a software-rendered map. Each such wait ends as soon as its condition holds; the
 * checks on freshness (no growing backlog, telemetry advances) keep their own strict bounds.
 */
const BUSY_PAGE_MS = 30_000;
/**
 * The first page's first answer (the prompt, or "sign in" / "sign out" in the header): generous, as whoami is the
 * page's first request, answered by a gateway that may still be warming up under load.
 */
const FIRST_PAGE_MS = 90_000;
const PAGE_READY = () => document.querySelector('[data-testid=signin-token]') || document.querySelector('[data-testid=signin-open]') ||
  document.querySelector('[data-testid=signout]');
/** How long the backlog check watches the dashboard on the whole fleet. */
const BACKLOG_WINDOW_MS = 30_000;
// Waits for the element as a user waits for a busy page to show it (the header's whoami, after sign-in, once took
// over 5 s at load 22); an element that is there answers at once.
const text = (page, testId) => page.locator(`[data-testid=${testId}]`).first().textContent({ timeout: BUSY_PAGE_MS });
const droneCount = async (page) => Number(await text(page, 'drone-count'));

const slowWorkerMs = Number(process.env.E2E_SLOW_WORKER_MS ?? 0);

/**
 * Runs the fleet worker behind a WebSocket that hands it one message per `ms` (a queue in the worker, as a page too
 * slow for its messages had before flow control) and drops its flow-control requests and acks, so the gateway sends as to a
 * client without flow control. Sabotage for E2E_SLOW_WORKER_MS only.
 */
async function slowDownTheFleetWorker(context, ms) {
  // The socket's prototype is patched in the worker before its script runs. The worker is started from a blob that
  // patches, then imports the real script: serving a changed script through a route (the first way tried) left the
  // worker's sockets unable to connect at all, whatever the change.
  const patch = `{
    const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
    Object.defineProperty(WebSocket.prototype, 'onmessage', {
      configurable: true,
      get() { return onmessage.get.call(this); },
      set(handler) {
        const queue = [];
        onmessage.set.call(this, (event) => queue.push(event));
        setInterval(() => { const event = queue.shift(); if (event && handler) handler.call(this, event); }, ${ms});
      },
    });
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      if (typeof data === 'string' && /"type":"(flow|ack)"/.test(data)) return;
      send.call(this, data);
    };
  }`;
  await context.addInitScript((code) => {
    const RealWorker = window.Worker;
    window.Worker = class extends RealWorker {
      constructor(url, options) {
        const href = new URL(String(url), location.href).href;
        if (!/liveFleet\.worker/.test(href)) {
          super(url, options);
          return;
        }
        const body = options?.type === 'module' ? `${code}\nimport(${JSON.stringify(href)});` : `${code}\nimportScripts(${JSON.stringify(href)});`;
        super(URL.createObjectURL(new Blob([body], { type: 'text/javascript' })), options);
      }
    };
  }, patch);
  log(`  (sabotage: the fleet worker takes one message per ${ms} ms and asks for no flow control)`);
}

/** Near (within tolerance) one of the status colours? Returns its name. */
function statusOf(r, g, b, tolerance = 40) {
  for (const [status, [sr, sg, sb]] of Object.entries(STATUS_RGB)) {
    if (Math.abs(r - sr) <= tolerance && Math.abs(g - sg) <= tolerance && Math.abs(b - sb) <= tolerance) return status;
  }
  return null;
}
const isBackground = (r, g, b) => Math.abs(r - BACKGROUND_RGB[0]) + Math.abs(g - BACKGROUND_RGB[1]) + Math.abs(b - BACKGROUND_RGB[2]) < 60;

// A hard stop for the whole run: whatever hangs, the browser is closed and the run fails.
let browserContext = null;
let userDataDir = null;
const watchdog = setTimeout(async () => {
  log(`  ✗ the whole run exceeded ${totalTimeoutMs / 1000} s`);
  results.push({ name: 'overall time limit', ok: false });
  await finish(1);
}, totalTimeoutMs);

async function finish(code) {
  clearTimeout(watchdog);
  try { await browserContext?.close(); } catch { /* already gone */ }
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  const passed = results.filter((r) => r.ok && !r.skipped).length;
  const skipped = results.filter((r) => r.skipped).length;
  log(`${passed} passed, ${results.filter((r) => !r.ok).length} failed, ${skipped} skipped`);
  process.exit(code === 0 && results.every((r) => r.ok) && results.length > 0 ? 0 : 1);
}

/**
 * The pixels, not just the scene graph: at the drones' screen positions there must be drawn (non-background) pixels,
 * and the picture must contain several status colours. Throws when not.
 */
async function assertDronePixels(page) {
  // The pixels, not just the scene graph: at the drones' screen positions there must be drawn (non-background)
  // pixels, and the picture must contain several status colours.
  const box = await page.locator('[data-testid=map]').boundingBox();
  let hits = 0, probed = 0;
  const colours = new Map();
  // Only the WebGL drawing: hide what floats over the map (the legend has status-coloured dots of its own).
  const overlays = '[data-testid=legend], [data-testid=fit-fleet], [data-testid=history-toggle], [data-testid=geofences-toggle], ' +
    '[data-testid=recent-toggle], [data-testid=command-panel], .map-banner, .maplibregl-control-container';
  await page.evaluate((sel) => document.querySelectorAll(sel).forEach((e) => { e.style.visibility = 'hidden'; }), overlays);
  for (let attempt = 0; attempt < 3; attempt++) {
    const points = await page.evaluate(() => {
      const { map, store } = window.__odyssey;
      const { width, height } = map.getCanvas().getBoundingClientRect();
      const out = [];
      for (const d of store.drones.values()) {
        const p = map.project([d.lon, d.lat]);
        if (p.x > 20 && p.y > 20 && p.x < width - 20 && p.y < height - 20) out.push([p.x, p.y]);
        if (out.length >= 60) break;
      }
      return out;
    });
    const png = PNG.sync.read(await page.screenshot({ clip: box }));
    const at = (x, y) => {
      const i = (Math.round(y) * png.width + Math.round(x)) * 4;
      return [png.data[i], png.data[i + 1], png.data[i + 2]];
    };
    hits = 0;
    probed = points.length;
    for (const [x, y] of points) {
      let found = false;
      for (let dy = -5; dy <= 5 && !found; dy++) {
        for (let dx = -5; dx <= 5 && !found; dx++) {
          const [r, g, b] = at(x + dx, y + dy);
          if (!isBackground(r, g, b) && Math.max(r, g, b) > 90) found = true;
        }
      }
      if (found) hits++;
    }
    colours.clear();
    for (let i = 0; i < png.data.length; i += 4) {
      const status = statusOf(png.data[i], png.data[i + 1], png.data[i + 2]);
      if (status) colours.set(status, (colours.get(status) ?? 0) + 1);
    }
    if (probed > 0 && hits >= probed * 0.6) break;
    await page.waitForTimeout(500);
  }
  await page.evaluate((sel) => document.querySelectorAll(sel).forEach((e) => { e.style.visibility = ''; }), overlays);
  assert(probed > 0, 'no drone inside the visible map');
  assert(hits >= probed * 0.6, `only ${hits} of ${probed} drone positions have drawn pixels`);
  const drawnStatuses = [...colours].filter(([, n]) => n >= 15).map(([s]) => s);
  const knownStatuses = await page.evaluate(() => new Set([...window.__odyssey.store.drones.values()].map((d) => d.status)).size);
  assert(drawnStatuses.length >= Math.min(2, knownStatuses), `map shows ${drawnStatuses.length} status colours (${drawnStatuses}) for ${knownStatuses} statuses`);
  return { hits, probed, drawnStatuses };
}

try {
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'odyssey-e2e-chromium-'));
  browserContext = await chromium.launchPersistentContext(userDataDir, {
    executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 860 }, timeout: 60_000,
  });
  if (slowWorkerMs > 0) await slowDownTheFleetWorker(browserContext, slowWorkerMs);
  const page = browserContext.pages()[0] ?? await browserContext.newPage();
  // Clicks and fills wait for the element to be stable over two animation frames: on a loaded machine, at 1,000
  // drones, a page's frames can be seconds apart (15 s ran out for clicks at load 27–30), so as for every wait on a
  // busy page. Freshness keeps its own strict checks.
  page.setDefaultTimeout(BUSY_PAGE_MS);
  const consoleErrors = [];
  const foreignRequests = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const requestUrls = [];
  page.on('request', (r) => {
    const u = r.url();
    requestUrls.push(u);
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) foreignRequests.push(u);
  });
  page.on('websocket', (ws) => requestUrls.push(ws.url()));
  // Until signed in, the dashboard asks whoami without a token and may be answered 401: chromium logs that as a
  // console error, which is expected (counted up to this mark and filtered in the last check).
  let signInMark = 0;
  log(`dashboard e2e against ${url} (min drones ${minDrones})`);
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  const config = await page.evaluate(async () => {
    try { return await (await fetch('config.json')).json(); } catch { return {}; }
  });
  // Where each drone is seen on its pad (GROUNDED, or still low while TAKING_OFF), and each drone's status changes:
  // the return-to-home check picks a drone near home and follows its status.
  await page.evaluate(() => {
    const homes = new Map();
    const statuses = new Map();
    window.__e2eTrack = { homes, statuses };
    setInterval(() => {
      const store = window.__odyssey?.store;
      if (!store) return;
      const now = Date.now();
      for (const d of store.drones.values()) {
        if (d.status === 'GROUNDED' || (d.status === 'TAKING_OFF' && d.alt < 15)) homes.set(d.id, [d.lon, d.lat]);
        const seen = statuses.get(d.id);
        if (!seen) statuses.set(d.id, [[d.status, now]]);
        else if (seen[seen.length - 1][0] !== d.status) seen.push([d.status, now]);
      }
    }, 500); // a drone's status lasts seconds; more often only takes the page's main thread from what is tested
    // Each second, how old what the page has is (for the backlog check): the arrival age (the worker's decode time
    // minus the drone's send time) p50 and p99 of the states applied in that second, the age of the newest state the
    // page holds (it grows when the page stops taking states, whatever their arrival age), and the browser's share of
    // the arrival age (decode time minus the gateway's send time, p50 over the drones held), which says whether a
    // backlog is the page's or the stack's. One loop over the columns, no objects per drone.
    const backlog = [];
    window.__e2eBacklog = backlog;
    let share = new Float64Array(0);
    setInterval(() => {
      const store = window.__odyssey?.store;
      if (!store || store.drones.size === 0) return;
      const now = Date.now();
      const [p50, p99] = store.ages.percentiles([50, 99], now - 1000);
      const c = store.columns;
      if (share.length < c.end) share = new Float64Array(c.end);
      let newest = -Infinity, n = 0;
      for (let s = 0; s < c.end; s++) {
        if (c.used[s] === 0) continue;
        newest = Math.max(newest, c.sentAtMs[s]);
        const browser = c.receivedAtMs[s] - (c.sentAtMs[s] + c.ingestMs[s] + c.gridMs[s] + c.gatewayMs[s]);
        if (Number.isFinite(browser)) share[n++] = browser;
      }
      const shares = share.subarray(0, n).sort();
      backlog.push({ at: now, p50, p99, newest: now - newest, browser: n > 0 ? shares[n >> 1] : NaN });
    }, 1000);
  });

  // A fresh page has no token. A gateway that admits no anonymous viewers refuses its WebSocket handshake with 401,
  // which a browser cannot see: the dashboard must ask to sign in rather than say "connecting" for ever.
  await check('a fresh page without a token asks to sign in, and says so when a kept token is refused', async () => {
    const anonymous = await page.evaluate(async () => (await fetch('api/v1/whoami', { cache: 'no-store' })).status);
    if (anonymous === 200) return 'skipped: this gateway lets anonymous viewers in';
    assert(anonymous === 401, `whoami without a token answered ${anonymous}`);
    // The first page first: until it has drawn its own prompt, a second page only competes with it for a machine
    // still busy starting the stack (its first prompt took 20-35 s at 1,000 drones at load 7-25).
    await waitFor(page, PAGE_READY, undefined, FIRST_PAGE_MS);
    // The text read in the same evaluation that found it: a second read can miss it when the prompt re-renders (in
    // run 08733e9 the second read found no prompt at all, 16 s into a 30 s wait).
    const reasonOf = async (p, pattern) => {
      const found = await waitFor(p, (re) => {
        const shown = document.querySelector('[data-testid=signin-reason]')?.textContent ?? '';
        return new RegExp(re).test(shown) ? shown : null;
      }, pattern.source, BUSY_PAGE_MS).catch(() => null);
      if (found) return found.jsonValue();
      return p.locator('[data-testid=signin-reason]').first().textContent({ timeout: 1000 }).catch(() => '(no prompt shown)');
    };
    const fresh = await browserContext.newPage();
    try {
      const started = Date.now();
      await fresh.goto(url, { waitUntil: 'load', timeout: 30_000 });
      const reason = await reasonOf(fresh, /access token/);
      assert(/access token/.test(reason), `after ${((Date.now() - started) / 1000).toFixed(0)} s the prompt says "${reason}"`);
    } finally {
      await fresh.close();
    }
    // A token kept in the tab from earlier, which the gateway no longer accepts (revoked, or the gateway restarted).
    const stale = await browserContext.newPage();
    try {
      await stale.addInitScript(() => window.sessionStorage.setItem('odyssey.token', 'e2e-revoked-token-0123456789'));
      await stale.goto(url, { waitUntil: 'load', timeout: 30_000 });
      const reason = await reasonOf(stale, /no longer accepts/);
      assert(/no longer accepts/.test(reason), `the prompt says "${reason}"`);
      assert(await stale.evaluate(() => window.sessionStorage.getItem('odyssey.token')) === null,
        'the refused token is still kept');
    } finally {
      await stale.close();
    }
    return 'prompted, with the reason';
  });

  await check('sign in with the operator token: whoami names the operator in the header', async () => {
    await waitFor(page, PAGE_READY, undefined, FIRST_PAGE_MS);
    const prompted = await page.locator('[data-testid=signin-token]').count() > 0;
    if (!operatorToken) {
      assert(!prompted, 'the dashboard asks for a token, and E2E_OPERATOR_TOKEN is not set');
      return 'skipped: no E2E_OPERATOR_TOKEN (the gateway lets anonymous viewers in)';
    }
    // The prompt is up unless the gateway lets anonymous viewers in: then the header offers "sign in".
    if (!prompted) await page.click('[data-testid=signin-open]');
    await page.fill('[data-testid=signin-token]', operatorToken);
    await page.click('[data-testid=signin-submit]');
    await waitFor(page, () => document.querySelector('[data-testid=signout]') || document.querySelector('[data-testid=signin-error]'), undefined, 15_000);
    const refused = await page.locator('[data-testid=signin-error]').count() > 0 ? await text(page, 'signin-error') : null;
    assert(!refused, `the token was refused: ${refused}`);
    const role = await text(page, 'whoami-role');
    assert(role === 'operator' || role === 'admin', `signed in as ${role}, an operator or admin was expected`);
    assert(await page.locator('[data-testid=signin-dialog]').count() === 0, 'the sign-in prompt is still shown');
    assert(!page.url().includes(operatorToken), 'the token is in the page URL');
    signInMark = consoleErrors.length;
    return `${await text(page, 'whoami-name')} (${role})`;
  });

  await check('connection status becomes live', async () => {
    await waitFor(page, () => document.querySelector('[data-testid=connection-status]')?.textContent?.includes('live'));
  });

  await check(`at least ${minDrones} drones are known`, async () => {
    await waitFor(page, (min) => Number(document.querySelector('[data-testid=drone-count]')?.textContent) >= min, minDrones, 45_000);
    return `${await droneCount(page)} drones`;
  });

  await check('the map draws the drones with WebGL', async () => {
    const renderer = await page.evaluate(() => {
      const gl = window.__odyssey?.map?.painter?.context?.gl ?? window.__odyssey?.map?.getCanvas().getContext('webgl2');
      if (!gl) return null;
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    });
    assert(renderer, 'the map has no WebGL context');
    // The drones' WebGL overlay says what its last frame drew.
    await waitFor(page, (min) => {
      const overlay = window.__odyssey?.fleetMap?.drones;
      return document.querySelector('[data-testid=drone-overlay]') && overlay?.drawn.drones >= min;
    }, Math.min(10, minDrones), 60_000);
    const rendered = await page.evaluate(() => window.__odyssey.fleetMap.drones.drawn.drones);
    const drawnIn = await page.evaluate(() => { const d = window.__odyssey.fleetMap.drones; return `${d.drawnIn ?? 'page'}${d.painter ? `, ${d.painter}` : ''}`; });
    const { hits, probed, drawnStatuses } = await assertDronePixels(page);
    return `${rendered} features drawn (in the ${drawnIn}), ${hits}/${probed} positions hit, colours ${drawnStatuses.join(' ')}; ${renderer}`;
  });

  await check('the WebGL2 painter draws the drones too (what a browser with a GPU gets)', async () => {
    // This browser draws WebGL in software, where the dashboard paints with Canvas 2D (above): force WebGL2 in a
    // second tab, signed in as the first, so the painter a user with a GPU gets stays tested.
    const webgl = await browserContext.newPage();
    try {
      if (operatorToken) await webgl.addInitScript((token) => window.sessionStorage.setItem('odyssey.token', token), operatorToken);
      const forced = new URL(url);
      forced.searchParams.set('drones', 'webgl');
      await webgl.goto(forced.toString(), { waitUntil: 'load', timeout: 30_000 });
      await waitFor(webgl, (min) => {
        const overlay = window.__odyssey?.fleetMap?.drones;
        return overlay?.painter === 'webgl' && overlay.drawn.drones >= min;
      }, Math.min(10, minDrones), 60_000);
      const { hits, probed, drawnStatuses } = await assertDronePixels(webgl);
      const drawnIn = await webgl.evaluate(() => window.__odyssey.fleetMap.drones.drawnIn ?? 'page');
      return `${hits}/${probed} positions hit, colours ${drawnStatuses.join(' ')} (in the ${drawnIn}, webgl)`;
    } finally {
      await webgl.close();
    }
  });

  await check('the drone overlay projects as MapLibre does, also with the map turned', async () => {
    // The overlay is not a map layer: it computes the camera itself (src/mapCamera.ts). Only the bearing is changed,
    // which only widens the subscribed box, and it is put back.
    const worst = await page.evaluate(async () => {
      const { map, fleetMap, store } = window.__odyssey;
      const bearing = map.getBearing();
      const ids = [...store.drones.keys()].slice(0, 20);
      let error = 0;
      try {
        for (const b of [bearing, 37, -120]) {
          map.jumpTo({ bearing: b });
          for (const id of ids) {
            const d = store.drones.get(id);
            if (!d) continue;
            const theirs = map.project([d.lon, d.lat]);
            const ours = fleetMap.drones.project(d.lon, d.lat);
            error = Math.max(error, Math.hypot(theirs.x - ours.x, theirs.y - ours.y));
          }
        }
      } finally {
        map.jumpTo({ bearing });
      }
      return error;
    });
    assert(worst < 0.5, `the overlay draws drones up to ${worst.toFixed(2)} px away from where MapLibre projects them`);
    return `largest difference ${worst.toFixed(3)} px at bearings 0, 37, -120`;
  });

  await check('offline by default: no request leaves the dashboard origin', async () => {
    if (config.tileUrl) return `skipped: tiles configured (${config.tileUrl})`;
    assert(foreignRequests.length === 0, `requests to other origins: ${foreignRequests.slice(0, 3).join(', ')}`);
  });

  await check('drones move: positions and sequence numbers advance', async () => {
    // Altitude counts as movement: in their first seconds the drones climb straight up from their pads.
    const snap = () => page.evaluate(() => [...window.__odyssey.store.drones.values()].map((d) => [d.id, d.seq, d.lat, d.lon, d.alt]));
    const first = await snap();
    // Until most drones sent new telemetry (10 Hz: well within seconds), then compare.
    await waitFor(page, (seqs) => {
      const drones = window.__odyssey.store.drones;
      let advanced = 0;
      for (const [id, seq] of seqs) if ((drones.get(id)?.seq ?? -1) > seq) advanced++;
      return advanced >= seqs.length * 0.8;
    }, first.map(([id, seq]) => [id, seq]), 10_000).catch(() => { /* the assertions below say what is missing */ });
    const later = new Map((await snap()).map(([id, ...rest]) => [id, rest]));
    let advanced = 0, moved = 0, common = 0;
    for (const [id, seq, lat, lon, alt] of first) {
      const now = later.get(id);
      if (!now) continue;
      common++;
      assert(now[0] >= seq, `drone ${id}: sequence went back from ${seq} to ${now[0]}`);
      if (now[0] > seq) advanced++;
      if (now[1] !== lat || now[2] !== lon || now[3] !== alt) moved++;
    }
    assert(common > 0, 'no drone stayed in view');
    assert(advanced >= common * 0.8, `only ${advanced} of ${common} drones sent new telemetry in 10 s`);
    assert(moved > 0, 'no drone moved');
    return `${advanced}/${common} advanced, ${moved} moved`;
  });

  await check('a MAVLink vehicle flies beside the simulated drones', async () => {
    if (mavlinkDrones === 0) return 'skipped: no MAVLink drones in this stack (E2E_MAVLINK_DRONES=0)';
    // First id 1: the MAVLink drones are the last ids. They come through the MAVLink edge, which does not call them
    // simulated; the SBE drones do.
    const vehicle = minDrones;
    const simulated = 1;
    const flagsAndSeq = () => page.evaluate(([a, b]) => {
      const drones = window.__odyssey.store.drones;
      return [drones.get(a), drones.get(b)].map((d) => d ? [d.flags, d.seq] : null);
    }, [vehicle, simulated]);
    await waitFor(page, ([a, b]) => window.__odyssey.store.drones.has(a) && window.__odyssey.store.drones.has(b),
      [vehicle, simulated], 30_000).catch(() => { /* said below */ });
    const before = await flagsAndSeq();
    assert(before[0], `MAVLink drone ${vehicle} is not on the dashboard`);
    assert(before[1], `simulated drone ${simulated} is not on the dashboard`);
    assert((before[0][0] & 8) === 0, `drone ${vehicle} says SIMULATED: it did not come through the MAVLink edge`);
    assert((before[1][0] & 8) !== 0, `drone ${simulated} does not say SIMULATED`);
    await waitFor(page, ([id, seq]) => (window.__odyssey.store.drones.get(id)?.seq ?? -1) > seq, [vehicle, before[0][1]], 10_000)
      .catch(() => { /* said below */ });
    const after = await flagsAndSeq();
    assert(after[0] && after[0][1] > before[0][1], `MAVLink drone ${vehicle} sent no new telemetry in 10 s`);
    return `MAVLink drone ${vehicle} (seq ${before[0][1]} → ${after[0][1]}) beside simulated drone ${simulated}`;
  });

  await check('the table updates live (a row’s sequence number and age change)', async () => {
    const cell = page.locator('[data-testid^=drone-seq-]').first();
    const testId = await cell.getAttribute('data-testid');
    const before = Number(await cell.textContent());
    await waitFor(page, ([id, seq]) => Number(document.querySelector(`[data-testid=${id}]`)?.textContent) > seq, [testId, before], 10_000);
    const header = await text(page, 'age-p50');
    assert(/\d/.test(header), `no telemetry age percentile in the header (${header})`);
    return `${testId}: ${before} → ${await text(page, testId)}; age p50 ${header}, p99 ${await text(page, 'age-p99')}`;
  });

  await check('sorting by a column orders the rows', async () => {
    const batteries = async () => (await page.locator('[data-testid^=drone-row-] td:nth-child(3)').allTextContents()).map((t) => parseFloat(t));
    const sortedBy = (key, descending) => waitFor(page, ([k, d]) =>
      document.querySelector(`[data-testid=sort-${k}]`)?.getAttribute('aria-sort') === (d ? 'descending' : 'ascending'), [key, descending], BUSY_PAGE_MS);
    await page.click('[data-testid=sort-bat]');
    await sortedBy('bat', false);
    const ascending = await batteries();
    await page.click('[data-testid=sort-bat]');
    await sortedBy('bat', true);
    const descending = await batteries();
    await page.click('[data-testid=sort-id]');
    const sorted = (xs, sign) => xs.every((x, i) => i === 0 || sign * (x - xs[i - 1]) >= -1); // values drain between reads
    assert(ascending.length > 3 && sorted(ascending, 1), `battery column not ascending: ${ascending.slice(0, 8)}`);
    assert(sorted(descending, -1), `battery column not descending: ${descending.slice(0, 8)}`);
    assert(descending[0] >= ascending[0], 'descending does not start higher than ascending');
  });

  // ---- command & control (docs/api/commands.md) -------------------------------------------------------------------
  /** The return-to-home sent below: its drone, command id, and what was known when it was sent. */
  let rth = null;
  const selectRow = async (id, modifiers = []) => {
    // A drone outside the subscribed map area has no row: zoom out to the whole fleet first (an earlier check, e.g.
    // history playback, may have left the map zoomed in).
    if (!(await page.evaluate((drone) => window.__odyssey.store.drones.has(drone), id))) {
      await page.click('[data-testid=fit-fleet]');
      await waitFor(page, (drone) => window.__odyssey.store.drones.has(drone), id, 20_000);
    }
    // The id filter brings the row into the (virtualised) table; several ids may match, the row's test id is exact.
    await page.fill('[data-testid=filter-id]', String(id));
    await page.locator(`[data-testid=drone-row-${id}]`).click({ modifiers });
    await page.fill('[data-testid=filter-id]', '');
  };
  const commandEntry = (id) => `[data-testid=command-timeline] [data-testid=command-entry-${id}]`;
  /** The fleet-wide recent-commands panel as drawn (ids and states, newest first) and how many it holds at most. */
  const recentCommands = async (p) => {
    await p.click('[data-testid=recent-toggle]');
    await p.waitForSelector('[data-testid=recent-commands]', { timeout: BUSY_PAGE_MS });
    const rows = await p.locator('[data-testid^=recent-command-]').evaluateAll((els) => els.map((e) => ({
      id: e.dataset.testid.replace('recent-command-', ''),
      state: e.querySelector('.state-badge')?.textContent,
    })));
    const limit = Number(await p.locator('[data-testid=recent-commands]').getAttribute('data-limit'));
    await p.click('[data-testid=recent-toggle]');
    await p.waitForSelector('[data-testid=recent-commands]', { state: 'detached', timeout: BUSY_PAGE_MS });
    return { rows, limit };
  };

  await check('multi-selection: shift-click adds a drone, the map rings both, an order to them asks first naming how many', async () => {
    const ids = await page.evaluate(() => [...window.__odyssey.store.drones.keys()].sort((a, b) => a - b).slice(0, 2));
    assert(ids.length === 2, 'fewer than two drones');
    await selectRow(ids[0]);
    await selectRow(ids[1], ['Shift']);
    await waitFor(page, () => document.querySelector('[data-testid=selection-count]')?.textContent === '2 drones', undefined, BUSY_PAGE_MS);
    await waitFor(page, (expected) => {
      const ringed = window.__odyssey.fleetMap.drones.drawn.multiSelected;
      return expected.every((id) => ringed.includes(id));
    }, ids, BUSY_PAGE_MS).catch(async () => {
      throw new Error(`the map rings ${JSON.stringify(await page.evaluate(() => window.__odyssey.fleetMap.drones.drawn.multiSelected))}, not ${ids}`);
    });
    if (!operatorToken) {
      const hint = await page.locator('[data-testid=cmd-hold]').getAttribute('title');
      assert(await page.locator('[data-testid=cmd-hold]').isDisabled(), 'an anonymous viewer can press hold');
      await page.click('[data-testid=select-clear]');
      return `anonymous: hold is disabled ("${hint}")`;
    }
    await page.click('[data-testid=cmd-hold]');
    await page.waitForSelector('[data-testid=confirm-dialog]', { timeout: BUSY_PAGE_MS });
    const question = await text(page, 'confirm-text');
    await page.click('[data-testid=confirm-cancel]');
    await page.waitForSelector('[data-testid=confirm-dialog]', { state: 'detached', timeout: BUSY_PAGE_MS });
    assert(/\b2 drones\b/.test(question), `the confirmation does not say how many drones: "${question}"`);
    const holds = await page.evaluate((list) => [...window.__odyssey.commands.byId.values()]
      .filter((c) => c.type === 'hold' && list.includes(c.droneId)).length, ids);
    assert(holds === 0, `${holds} hold command(s) were sent although the confirmation was cancelled`);
    await page.click('[data-testid=select-clear]');
    await waitFor(page, () => document.querySelector('[data-testid=selection-count]')?.textContent === 'no drone selected', undefined, BUSY_PAGE_MS);
    return `drones ${ids.join(' + ')}: "${question}" → cancelled, nothing sent`;
  });

  await check('geofences: the panel lists the gateway\'s fences, and drawing one is for admins only', async () => {
    await page.click('[data-testid=geofences-toggle]');
    await page.waitForSelector('[data-testid=geofence-panel]', { timeout: BUSY_PAGE_MS });
    const count = Number(await text(page, 'geofence-count'));
    const drawn = await page.evaluate(() => window.__odyssey.map.queryRenderedFeatures({ layers: ['geofence-outline'] }).length);
    const role = operatorToken ? await text(page, 'whoami-role') : 'viewer';
    const drawDisabled = await page.locator('[data-testid=geofence-draw]').isDisabled();
    const hint = await page.locator('[data-testid=geofence-draw]').getAttribute('title');
    await page.click('[data-testid=geofences-toggle]');
    assert(Number.isInteger(count), `no fence count (${count})`);
    assert(drawDisabled === (role !== 'admin'), `"draw a new fence" is ${drawDisabled ? 'disabled' : 'enabled'} for ${role}`);
    return `${count} fence(s) listed, ${drawn} outline feature(s) drawn; draw ${drawDisabled ? `disabled ("${hint}")` : 'enabled'}`;
  });

  await check('return-to-home: the order shows in the drone\'s timeline and advances to accepted / in progress; the drone turns home', async () => {
    assert(operatorToken, 'needs E2E_OPERATOR_TOKEN (an operator may send commands)');
    // A drone in the air, as near its home as known (seen on its pad earlier), so that it lands within the wait.
    const target = await page.evaluate(() => {
      const { store } = window.__odyssey;
      const { homes } = window.__e2eTrack;
      const metres = (a, b) => {
        const rad = Math.PI / 180;
        const x = (b[0] - a[0]) * rad * Math.cos(((a[1] + b[1]) / 2) * rad);
        const y = (b[1] - a[1]) * rad;
        return Math.hypot(x, y) * 6_371_000;
      };
      const candidates = [];
      for (const d of store.drones.values()) {
        const airborne = ['CRUISING', 'HOVERING'].includes(d.status) || (d.status === 'TAKING_OFF' && d.alt > 20);
        // Well above the simulator's own low-battery return (25 %) even after a few minutes' flight home.
        // Simulated (SBE) drones only: the MAVLink vehicles' return is the MAVLink edge's, checked on its own.
        if (!airborne || d.bat < 45 || (d.flags & 8) === 0) continue;
        const home = homes.get(d.id) ?? (d.status === 'TAKING_OFF' ? [d.lon, d.lat] : null);
        const distance = home ? metres([d.lon, d.lat], home) : null;
        // Cruise 12 m/s home, 2 m/s down (the simulator's defaults), and a margin; a drone still climbing is taken
        // only when nothing else is near home (it may finish its climb first).
        const estimateS = home ? distance / 12 + d.alt / 2 + 15 + (d.status === 'TAKING_OFF' ? 60 : 0) : Infinity;
        candidates.push({ id: d.id, status: d.status, alt: d.alt, distance, estimateS });
      }
      candidates.sort((a, b) => a.estimateS - b.estimateS || a.id - b.id);
      return candidates[0] ?? null;
    });
    assert(target, 'no drone in the air to send home');
    await selectRow(target.id);
    await waitFor(page, (id) => document.querySelector('[data-testid=detail-id]')?.textContent === String(id), target.id, BUSY_PAGE_MS);
    await waitFor(page, (id) => document.querySelector('[data-testid=selection-count]')?.textContent === `drone ${id}`, target.id, BUSY_PAGE_MS);
    assert(await page.locator('[data-testid=cmd-rth]').isEnabled(), 'the home button is disabled for an operator');
    const issuedAt = Date.now();
    await page.click('[data-testid=cmd-rth]');
    assert(await page.locator('[data-testid=confirm-dialog]').count() === 0, 'an order to one drone asked for confirmation');
    await waitFor(page, () => /sent to|refused/.test(document.querySelector('[data-testid=cmd-result]')?.textContent ?? ''), undefined, 10_000);
    const result = await text(page, 'cmd-result');
    const commandId = /command (\d+)/.exec(result)?.[1];
    assert(result.includes('sent to') && commandId, `the order was not sent: ${result}`);
    rth = { ...target, commandId, issuedAt };
    await page.waitForSelector(commandEntry(commandId), { timeout: 10_000 });
    // The list shows the store's newest orders: this one unless as many newer ones came meanwhile (say how many).
    const recent = await recentCommands(page);
    const listed = recent.rows.some((r) => r.id === String(commandId));
    const around = await page.evaluate((id) => {
      const all = [...window.__odyssey.commands.byId.values()];
      const mine = window.__odyssey.commands.get(id);
      return { newer: mine ? all.filter((c) => c.issuedAtMs > mine.issuedAtMs).length : -1, known: all.length, stored: !!mine };
    }, commandId);
    if (around.newer < recent.limit) {
      assert(listed, `the recent commands list lacks the order just sent (${recent.rows.length} rows listed, ` +
        `${around.newer} newer orders of ${around.known} in the store${around.stored ? '' : ', not this one'}, the list holds ${recent.limit})`);
    }
    // Its state as the timeline shows it, until accepted or further (a refusal or failure ends the check).
    const seen = [];
    const until = Date.now() + 20_000;
    let state = '';
    while (Date.now() < until) {
      state = (await page.locator(`${commandEntry(commandId)} [data-testid=command-state]`).textContent({ timeout: 5_000 })).trim();
      if (seen[seen.length - 1] !== state) seen.push(state);
      if (stateRank(state) >= 2) break;
      await page.waitForTimeout(100);
    }
    const reason = await page.locator(`${commandEntry(commandId)} [data-testid=command-reason]`).allTextContents();
    assert(!['rejected', 'failed', 'expired', 'cancelled'].includes(state), `the command became ${state} (${reason.join(', ')})`);
    assert(stateRank(state) >= 2, `still ${state} after 20 s (seen: ${seen.join(' → ')})`);
    // States and their times in one read: the order goes on while the test looks, and two reads can see two timelines.
    const timeline = await page.locator(`${commandEntry(commandId)} [data-testid=command-transition]`).evaluateAll((els) =>
      els.map((e) => ({ state: e.dataset.state, since: e.querySelector('.step-since')?.textContent ?? '' })));
    const steps = timeline.map((t) => t.state);
    assert(steps[0] === 'issued', `the timeline starts with ${steps[0]}, not issued`);
    assert(steps.every((s, i) => i === 0 || stateRank(s) >= stateRank(steps[i - 1])), `states out of order: ${steps.join(' → ')}`);
    assert(steps.some((s) => s === 'accepted' || s === 'in-progress'), `never accepted: ${steps.join(' → ')}`);
    const times = timeline.map((t) => t.since);
    assert(times.slice(1).every((t) => /^\+[\d.]+ (ms|s)$/.test(t)), `transitions without a time since issue: ${timeline.map((t) => `${t.state} ${t.since}`).join(', ')}`);
    // The drone acts on it: returning (or already coming down, when it was right above home).
    await waitFor(page, () => ['returning', 'landing', 'grounded'].includes(document.querySelector('[data-testid=detail-status]')?.textContent ?? ''), undefined, 20_000);
    const status = await text(page, 'detail-status');
    const where = target.distance === null ? 'home unknown' : `${Math.round(target.distance)} m from home, ~${Math.round(target.estimateS)} s`;
    return `drone ${target.id} (${target.status}, ${where}): command ${commandId} ${steps.join(' → ')} (${times[times.length - 1]}), drone ${status}`;
  });

  // The stack of the browser test raises LOW_BATTERY below 99.9 %, so every drone soon has an alert.
  await check('alerts: the panel lists active alerts, the map rings their drones, a click selects one', async () => {
    await waitFor(page, () => Number(document.querySelector('[data-testid=alert-count]')?.textContent) > 0, undefined, BUSY_PAGE_MS);
    const rows = await page.locator('[data-testid^=alert-row-]').count();
    assert(rows > 0, 'the alert count is above zero but no alert is listed');
    await waitFor(page, () => window.__odyssey?.fleetMap?.drones.drawn.alertRings > 0, undefined, 20_000);
    // The row of one alert by its key: the list is newest first, and with alerts raised all the time "the first row"
    // is another alert by the time the click lands. A lasting one if listed (this stack raises LOW_BATTERY for every
    // drone): a loss of separation clears in seconds, and one did before a busy page took the click (30 s timeout).
    const keys = (await page.locator('[data-testid^=alert-row-]').evaluateAll((rows) =>
      rows.map((row) => row.getAttribute('data-testid').replace('alert-row-', ''))));
    const key = keys.find((k) => k.startsWith('LOW_BATTERY:')) ?? keys[0];
    const id = key.split(':')[1];
    await page.locator(`[data-testid="alert-row-${key}"] button`).click();
    await waitFor(page, (expected) => document.querySelector('[data-testid=detail-id]')?.textContent === expected, id, BUSY_PAGE_MS);
    return `${rows} alerts listed, e.g. ${key}`;
  });

  await check('clicking a table row shows that drone in the detail panel', async () => {
    const row = page.locator('[data-testid^=drone-row-]').nth(2);
    const id = (await row.getAttribute('data-testid')).replace('drone-row-', '');
    await row.click();
    // What a click shows waits as long as a busy page may take (a run with 200 drones beside a loaded stack took > 5 s).
    await waitFor(page, (expected) => document.querySelector('[data-testid=detail-id]')?.textContent === expected, id, BUSY_PAGE_MS)
      .catch(async () => {
        throw new Error(`the detail panel shows drone ${await page.evaluate(() => document.querySelector('[data-testid=detail-id]')?.textContent)}, not ${id}`);
      });
    const panel = await text(page, 'detail-panel');
    for (const label of ['position', 'altitude', 'speed', 'heading', 'battery', 'sequence', 'telemetry age']) {
      assert(panel.includes(label), `detail panel lacks ${label}`);
    }
    const age1 = await text(page, 'detail-age');
    // The panel refreshes at least every 2 s (useMapView, UI_REFRESH_MAX_MS) and the drone sends 10 times a second.
    await waitFor(page, (a) => document.querySelector('[data-testid=detail-age]')?.textContent !== a, age1, 10_000).catch(() => {
      throw new Error(`the telemetry age stayed ${age1} for 10 s`);
    });
    await waitFor(page, (expected) => String(window.__odyssey.fleetMap.drones.drawn.selected) === expected, id, BUSY_PAGE_MS).catch(async () => {
      throw new Error(`the map highlights ${await page.evaluate(() => window.__odyssey.fleetMap.drones.drawn.selected)}, not ${id}`);
    });
    return `drone ${id}`;
  });

  await check('clicking a drone on the map selects it', async () => {
    const box = await page.locator('[data-testid=map]').boundingBox();
    for (let attempt = 0; attempt < 5; attempt++) {
      const target = await page.evaluate(() => {
        const { map, store } = window.__odyssey;
        const canvas = map.getCanvas();
        const { left, top, width, height } = canvas.getBoundingClientRect();
        const drones = [...store.drones.values()].sort((a, b) => a.spd - b.spd);
        for (const d of drones) {
          const p = map.project([d.lon, d.lat]);
          // Not under something floating over the map (the command panel, the legend, the buttons).
          if (p.x > 60 && p.y > 120 && p.x < width - 60 && p.y < height - 60 &&
            document.elementFromPoint(left + p.x, top + p.y) === canvas) return { id: d.id, x: p.x, y: p.y };
        }
        return null;
      });
      assert(target, 'no drone in view to click');
      await page.mouse.click(box.x + target.x, box.y + target.y);
      try {
        await waitFor(page, () => /\d/.test(document.querySelector('[data-testid=detail-id]')?.textContent ?? ''), undefined, 2_000);
        const id = await text(page, 'detail-id');
        if (id === String(target.id) || attempt === 4) return `clicked drone ${target.id}, panel shows ${id}`;
      } catch { /* it moved: try again */ }
      await page.keyboard.press('Escape');
    }
    throw new Error('no click on a drone selected it');
  });

  await check('the status filter narrows the rows to that status', async () => {
    const status = await page.evaluate(() => {
      const counts = new Map();
      for (const d of window.__odyssey.store.drones.values()) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
      // The rarest held by several drones: the filter visibly narrows, and the status is still someone's when the filter
      // applies (the rarest alone was once the one drone sent home, landed by then: "no rows after filtering").
      const sorted = [...counts].sort((a, b) => a[1] - b[1]);
      return (sorted.find(([, n]) => n >= 3) ?? sorted[0])[0];
    });
    const before = Number(await text(page, 'drones-shown'));
    await page.selectOption('[data-testid=filter-status]', status);
    const label = status.replace(/_/g, ' ').toLowerCase();
    // Until the rows are that status only (the asserts below say what is wrong if they never are).
    await waitFor(page, (wanted) => {
      const cells = [...document.querySelectorAll('[data-testid^=drone-row-] td:nth-child(2)')];
      return cells.length > 0 && cells.every((cell) => cell.textContent.trim() === wanted);
    }, label, 10_000).catch(() => {});
    const cells = await page.locator('[data-testid^=drone-row-] td:nth-child(2)').allTextContents();
    const shown = Number(await text(page, 'drones-shown'));
    await page.selectOption('[data-testid=filter-status]', '');
    assert(cells.length > 0, 'no rows after filtering');
    assert(cells.every((cell) => cell.trim() === label), `rows of other statuses shown: ${[...new Set(cells)].join(', ')}`);
    assert(shown <= before && shown < (await droneCount(page)), `shown ${shown} of ${before}: not narrowed`);
    return `${status}: ${shown} of ${before}`;
  });

  await check('the id filter narrows the rows', async () => {
    const id = await page.evaluate(() => String([...window.__odyssey.store.drones.keys()].sort((a, b) => b - a)[0]));
    await page.fill('[data-testid=filter-id]', id);
    await waitFor(page, (wanted) => {
      const cells = [...document.querySelectorAll('[data-testid^=drone-row-] td:first-child')];
      return cells.length > 0 && cells.every((cell) => cell.textContent.includes(wanted));
    }, id, 10_000).catch(() => {});
    const ids = await page.locator('[data-testid^=drone-row-] td:first-child').allTextContents();
    await page.fill('[data-testid=filter-id]', '');
    assert(ids.length >= 1 && ids.every((t) => t.includes(id)), `unexpected rows for filter ${id}: ${ids.slice(0, 5).join(',')}`);
  });

  await check('the subscription follows the map view (zoom in: fewer drones, all in view)', async () => {
    // From the whole fleet in view, and each count read once "whole fleet" is done: it drops the box, fits the map to
    // the next snapshot, and subscribes to the fitted view when the map stops. Read earlier, a count was mid-way ("5
    // after whole fleet"), and a zoom made before the snapshot came was undone by its fit ("200 → 200").
    const settled = (min) => waitFor(page, (least) => window.__odyssey.connection.subscription !== null &&
      !window.__odyssey.map.isMoving() &&
      Number(document.querySelector('[data-testid=drone-count]')?.textContent) >= least, min, BUSY_PAGE_MS);
    await page.click('[data-testid=fit-fleet]');
    await settled(minDrones);
    const total = await droneCount(page);
    let zoomed = NaN;
    try {
      await page.evaluate(() => {
        const { map, store } = window.__odyssey;
        const first = [...store.drones.values()][0];
        map.jumpTo({ center: [first.lon, first.lat], zoom: map.getZoom() + 2.5 });
      });
      // Until the dashboard holds fewer drones, all in view (the failure below says which of the two it never got to).
      await waitFor(page, (all) => {
        const { map, store, connection } = window.__odyssey;
        const box = connection.subscription;
        if (!box || store.drones.size === 0 || store.drones.size >= all) return false;
        const b = map.getBounds();
        const padLon = (b.getEast() - b.getWest()) * 0.1, padLat = (b.getNorth() - b.getSouth()) * 0.1;
        return [...store.drones.values()].every((d) => d.lon >= b.getWest() - padLon && d.lon <= b.getEast() + padLon &&
          d.lat >= b.getSouth() - padLat && d.lat <= b.getNorth() + padLat);
      }, total, BUSY_PAGE_MS).catch(() => {});
      // The header counts what the store holds at the page's next refresh (UI_REFRESH_MS, paced up to 2 s by what a
      // refresh costs): read as it was a moment after the store changed, it still said 200 (a CI run's failure, traced).
      await waitFor(page, () => Number(document.querySelector('[data-testid=drone-count]')?.textContent) ===
        window.__odyssey.store.drones.size, undefined, BUSY_PAGE_MS).catch(() => {});
      zoomed = await droneCount(page);
      const outside = await page.evaluate(() => {
        const { map, store } = window.__odyssey;
        const b = map.getBounds();
        const padLon = (b.getEast() - b.getWest()) * 0.1, padLat = (b.getNorth() - b.getSouth()) * 0.1;
        return [...store.drones.values()].filter((d) => !(d.lon >= b.getWest() - padLon && d.lon <= b.getEast() + padLon &&
          d.lat >= b.getSouth() - padLat && d.lat <= b.getNorth() + padLat)).length;
      });
      assert(outside === 0, `zoomed in: ${outside} of the ${zoomed} drones held are outside the view`);
      const views = await page.evaluate(() => {
        const { map, connection } = window.__odyssey;
        const b = map.getBounds();
        const round = (v) => v.toFixed(4);
        return `subscribed to ${JSON.stringify(connection.subscription)}, view ${[b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(round).join(',')}`;
      });
      const held = await page.evaluate(() => window.__odyssey.store.drones.size);
      assert(zoomed < total, `zoomed in: ${zoomed} drones shown (${held} held), not fewer than the ${total} of the whole fleet (${views})`);
    } finally {
      // Back to the whole fleet whatever happened (the checks after it expect every drone).
      await page.click('[data-testid=fit-fleet]');
      await settled(minDrones);
    }
    return `${total} → ${zoomed} in the zoomed view → ${await droneCount(page)} after "whole fleet"`;
  });

  await check('the dashboard reconnects by itself when the link drops', async () => {
    const connections = () => page.evaluate(async (token) => {
      const body = await (await fetch('metrics', { headers: token ? { Authorization: `Bearer ${token}` } : {} })).text();
      const m = /^odyssey_ws_connections_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(body);
      return m ? Number(m[1]) : NaN;
    }, operatorToken);
    const before = await connections();
    // The link's states as the page learns them, and the status text as drawn. The text alone cannot say it: with the
    // link in the fleet worker, "reconnecting" and "live" reach the page as two messages, and a page busy for the half
    // second the retry takes handles both in one task and renders only "live" (the lead's run at 1,000 drones, with
    // vitest beside it, timed out waiting for a "reconnecting" no user could have seen either).
    const dropped = await page.evaluate(() => {
      const status = document.querySelector('[data-testid=connection-status]');
      const connection = window.__odyssey.connection;
      window.__statusLog = [];
      window.__linkLog = [];
      new MutationObserver(() => window.__statusLog.push(status.textContent))
        .observe(status, { childList: true, subtree: true, characterData: true });
      const shown = connection.onState;
      connection.onState = (state) => { window.__linkLog.push(state.kind); shown(state); };
      const socket = connection.socket;
      socket?.close();
      return socket !== null;
    });
    assert(dropped, 'the link was not live, so there was no socket to drop');
    await waitFor(page, () => {
      const kinds = window.__linkLog;
      const down = kinds.indexOf('reconnecting');
      return down >= 0 && kinds.indexOf('live', down) > down;
    }, undefined, BUSY_PAGE_MS).catch(async () => {
      throw new Error(`the link did not come back: it went ${(await page.evaluate(() => window.__linkLog)).join(' → ') || 'nowhere'}`);
    });
    await waitFor(page, () => document.querySelector('[data-testid=connection-status]')?.textContent?.includes('live'), undefined, BUSY_PAGE_MS);
    await waitFor(page, (min) => Number(document.querySelector('[data-testid=drone-count]')?.textContent) >= min, minDrones, BUSY_PAGE_MS);
    const after = await connections();
    if (Number.isFinite(before)) assert(after > before, `no new WebSocket connection reached the gateway (${before} → ${after})`);
    const [links, texts] = await page.evaluate(() => [window.__linkLog, window.__statusLog.map((t) => t.replace(/[\d.]+ s/, 'N s'))]);
    return `link went ${links.join(' → ')}; status shown ${[...new Set(texts)].join(' → ')}`;
  });

  await check('on demand, the dashboard measures the age of what it draws', async () => {
    await page.click('[data-testid=render-age-toggle]');
    await waitFor(page, () => /\d/.test(document.querySelector('[data-testid=render-age-p50]')?.textContent ?? ''), undefined, 20_000);
    const p50 = await text(page, 'render-age-p50');
    // Both figures from the same frames: the drawn age per state (send to the first frame drawing the drone at that
    // state) and the drawn staleness per frame (now − send time of the newest state drawn). A state keeps being drawn
    // after its first frame, older each time, so the staleness cannot be younger than the drawn age: a drawn age taken
    // per frame instead of per state, or stamped before its frame was drawn, would show here.
    const m = await page.evaluate(() => {
      const { drawnAges, drawnStaleness } = window.__odyssey.fleetMap;
      return { ages: drawnAges.size, stale: drawnStaleness.size, age: drawnAges.percentiles([50])[0], staleness: drawnStaleness.percentiles([50])[0] };
    });
    await page.click('[data-testid=render-age-toggle]');
    assert(Number.parseFloat(p50) > 0, `drawn age p50 is ${p50}`);
    assert(m.ages > 0 && m.stale > 0, `no samples: ${m.ages} drawn ages, ${m.stale} drawn staleness`);
    assert(m.age <= m.staleness, `drawn age p50 ${m.age} ms is above the drawn staleness p50 ${m.staleness} ms`);
    return `drawn age p50 ${p50} (${m.ages} states), drawn staleness p50 ${Math.round(m.staleness)} ms (${m.stale} samples)`;
  });

  await check('history: drones\' tracks from the archive play back on the map with a scrubber', async () => {
    // Two drones that have flown somewhere (a drone still climbing from its pad has a trail of zero length).
    const ids = await page.evaluate(() => [...window.__odyssey.store.drones.values()]
      .filter((d) => d.status === 'CRUISING').map((d) => d.id).sort((a, b) => a - b).slice(0, 2));
    assert(ids.length === 2, 'fewer than two drones are cruising yet');
    // Where the time went, in the result (a check that takes minutes at 1,000 drones should say which part did).
    const started = Date.now();
    const took = [];
    const lap = (what) => took.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await page.click('[data-testid=history-toggle]');
    await page.fill('[data-testid=history-ids]', ids.join(', '));
    // A custom window: from five minutes ago to two minutes ahead (local time, to the minute).
    await page.selectOption('[data-testid=history-window]', '0');
    const [fromValue, toValue] = await page.evaluate(() => {
      const local = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      return [local(Date.now() - 300_000), local(Date.now() + 120_000)];
    });
    await page.fill('[data-testid=history-from]', fromValue);
    await page.fill('[data-testid=history-to]', toValue);
    // The archiver commits a second or so behind the live frames: load until the tracks have some length.
    // And until the first drone's archived track has left its spot (it may have hovered or climbed up to now: the
    // live state says cruising a second or two before the archive has a cruising frame).
    let frames = 0;
    let km = 0;
    let loads = 0;
    for (; loads < 20 && (frames < 20 || km < 0.02); loads++) {
      await page.click('[data-testid=history-load]');
      // Until this load is done (the button is disabled while it runs): the summary of the previous load is already
      // on the page, and a load finishing later would put the scrubber back to the start under the keys below.
      await waitFor(page, () => !document.querySelector('[data-testid=history-load]')?.disabled, undefined, BUSY_PAGE_MS);
      await waitFor(page, () => document.querySelector('[data-testid=history-summary]') ||
        document.querySelector('[data-testid=history-status]')?.textContent, undefined, BUSY_PAGE_MS);
      await waitFor(page, (id) => document.querySelector(`[data-testid=history-track-${id}] td:nth-child(2)`) ||
        document.querySelector('[data-testid=history-status]')?.textContent, ids[0], BUSY_PAGE_MS).catch(() => {});
      [frames, km] = await page.evaluate((id) => [2, 3].map((column) => Number.parseFloat(
        document.querySelector(`[data-testid=history-track-${id}] td:nth-child(${column})`)?.textContent ?? '0')), ids[0]);
      if (frames < 20 || km < 0.02) await page.waitForTimeout(1000);
    }
    lap(`${loads} load${loads > 1 ? 's' : ''}`);
    assert(frames >= 20, `drone ${ids[0]}'s track has ${frames} frames (status: ${await page.locator('[data-testid=history-status]').textContent({ timeout: 1000 }).catch(() => '')})`);
    assert(km >= 0.02, `drone ${ids[0]}'s track is ${km} km long: it has not left its spot`);
    assert(await page.locator(`[data-testid=history-track-${ids[1]}]`).count() === 1, `drone ${ids[1]} has no track`);
    await waitFor(page, () => window.__odyssey.map.queryRenderedFeatures({ layers: ['history-trails'] }).length > 0, undefined, BUSY_PAGE_MS);
    await waitFor(page, () => window.__odyssey.fleetMap.drones.hidden &&
      getComputedStyle(document.querySelector('[data-testid=drone-overlay]')).display === 'none' &&
      window.__odyssey.fleetMap.drones.drawn.drones === 0, undefined, BUSY_PAGE_MS).catch(() => {
      throw new Error('the live drones are still drawn in history mode');
    });
    lap('trails drawn');
    const head = () => page.evaluate((id) => {
      const f = window.__odyssey.map.querySourceFeatures('history-heads').find((x) => x.properties.id === id);
      return f ? f.geometry.coordinates.map((c) => c.toFixed(6)).join(',') : null;
    }, ids[0]);
    const scrubber = page.locator('[data-testid=history-scrubber]');
    const moved = (before, ms) => waitFor(page, ([id, was]) => {
      const f = window.__odyssey.map.querySourceFeatures('history-heads').find((x) => x.properties.id === id);
      return f && f.geometry.coordinates.map((c) => c.toFixed(6)).join(',') !== was;
    }, [ids[0], before], ms).catch(() => {});
    // A load leaves the scrubber at the start of the tracks, where the drone took off (or was at the window's start).
    await waitFor(page, (id) => window.__odyssey.map.querySourceFeatures('history-heads').some((x) => x.properties.id === id),
      ids[0], BUSY_PAGE_MS).catch(() => {});
    const atStart = await head();
    await scrubber.focus();
    await page.keyboard.press('End');
    // Until the head has left the start (the map draws it a frame later); a drone that flew 20 m or more ends elsewhere.
    await moved(atStart, BUSY_PAGE_MS);
    const atEnd = await head();
    assert(atEnd && atEnd !== atStart, `the scrubber's end did not move drone ${ids[0]} from its start (${atStart})`);
    lap('at the end');
    // Back a tenth of the tracks' span at a time (Page Down on a range input), up to half of it: the drone may have
    // hovered at a waypoint (3–15 s) just before the end of its track.
    let earlier = atEnd;
    let tenths = 0;
    while (earlier === atEnd && tenths < 5) {
      await page.keyboard.press('PageDown');
      tenths++;
      // Until the head has moved from where it was at the end (the assert below says so if it never does).
      await moved(atEnd, 3_000);
      earlier = await head();
    }
    lap(`${tenths} tenth${tenths > 1 ? 's' : ''} back`);
    assert(earlier && atEnd !== earlier, `scrubbing ${tenths} tenths of the tracks back did not move drone ${ids[0]} (${atEnd} / ${earlier})`);
    await page.click('[data-testid=history-close]');
    // The worker's next drone frame after "live view" (its frames are paced by their cost, at least every 2 s).
    await waitFor(page, () => !window.__odyssey.fleetMap.drones.hidden &&
      window.__odyssey.fleetMap.drones.drawn.drones > 0, undefined, BUSY_PAGE_MS).catch(() => {
      throw new Error(`the live drones are not drawn again ${BUSY_PAGE_MS / 1000} s after closing history`);
    });
    lap('live again');
    return `drones ${ids.join(', ')}: ${frames} frames, ${km} km; at the end ${atEnd}, ${tenths} tenth${tenths > 1 ? 's' : ''} ` +
      `back ${earlier} (${took.join(', ')})`;
  });

  // A dashboard that cannot keep up queues, and what it shows gets older and older (issue 14: at 1,000 drones the map
  // showed the fleet as it was half a minute ago, and growing). Left on the whole fleet for BACKLOG_WINDOW_MS, late in
  // the run (a backlog built up earlier shows as a level), what it shows must not get older: the arrival age p50 and
  // the age of the newest state held, in the last third of the window, may exceed the first third's by 2 s plus a
  // quarter of where they started (a loaded machine may be slow all along, a queue gets slower and slower; over the
  // 20 s between the thirds' middles that catches a page falling behind by a tenth of real time or more), and the
  // arrival age p99 (of the seconds sampled, their 90th percentile) stays under 10 s: a dashboard that far behind is
  // not live, however loaded the machine. Growth and level, not speed: a slow page that gets the newest states passes.
  // Runs while the drone sent home flies there, so it costs the run no time.
  await check('no growing backlog: left on the whole fleet for 30 s, what the dashboard shows does not get older', async () => {
    await page.click('[data-testid=fit-fleet]');
    await waitFor(page, (min) => Number(document.querySelector('[data-testid=drone-count]')?.textContent) >= min, minDrones, BUSY_PAGE_MS);
    const from = await page.evaluate(() => Date.now());
    const until = from + BACKLOG_WINDOW_MS;
    await waitFor(page, (end) => window.__e2eBacklog.some((s) => s.at >= end), until, BACKLOG_WINDOW_MS + BUSY_PAGE_MS);
    const samples = (await page.evaluate(() => window.__e2eBacklog.slice())).filter((s) => s.at >= from && s.at <= until);
    const third = BACKLOG_WINDOW_MS / 3;
    const early = samples.filter((s) => s.at < from + third);
    const late = samples.filter((s) => s.at >= until - third);
    const median = (xs) => { const v = xs.filter(Number.isFinite).sort((x, y) => x - y); return v.length ? v[Math.floor(v.length / 2)] : NaN; };
    const p90 = (xs) => { const v = xs.filter(Number.isFinite).sort((x, y) => x - y); return v.length ? v[Math.floor(v.length * 0.9)] : NaN; };
    const first = { p50: median(early.map((s) => s.p50)), newest: median(early.map((s) => s.newest)) };
    const last = { p50: median(late.map((s) => s.p50)), newest: median(late.map((s) => s.newest)) };
    const p99 = p90(samples.map((s) => s.p99));
    const ms = (x) => `${Number.isFinite(x) ? x.toFixed(0) : '–'} ms`;
    const summary = `arrival age p50 ${ms(first.p50)} → ${ms(last.p50)}, p99 ${ms(p99)}; newest state held ${ms(first.newest)} → ` +
      `${ms(last.newest)} old; the browser's share p50 ${ms(median(early.map((s) => s.browser)))} → ${ms(median(late.map((s) => s.browser)))} ` +
      `(${samples.length} seconds sampled, ${samples.filter((s) => Number.isFinite(s.p50)).length} with states applied)`;
    assert(early.length >= 3 && late.length >= 3, `too few seconds sampled to judge (${early.length} early, ${late.length} late): ${summary}`);
    assert(Number.isFinite(first.p50) && Number.isFinite(last.p50), `no state applied in a third of the window: ${summary}`);
    const grew = (before, after) => after > before + 2000 + before / 4;
    assert(!grew(first.p50, last.p50) && !grew(first.newest, last.newest), `a growing backlog: ${summary}`);
    assert(p99 <= 10_000, `behind: ${summary}`);
    return summary;
  });

  await check('return-to-home completes: the drone lands at home (returning → landing/grounded), the timeline says completed', async () => {
    assert(rth, 'no return-to-home was sent');
    // Bounded by E2E_RTH_TIMEOUT_S from the order, and by what is left of the run (the artifacts still need ~40 s).
    const wait = Math.min(rth.issuedAt + rthTimeoutMs, runDeadline - 40_000) - Date.now();
    assert(wait > 0, 'no time left to wait for the landing');
    await waitFor(page, ([id, finals]) => finals.includes(window.__odyssey.commands.get(id)?.state), [rth.commandId, FINAL_STATES], wait)
      .catch(() => { /* what it became is reported below */ });
    const command = await page.evaluate((id) => {
      const c = window.__odyssey.commands.get(id);
      return c ? { state: c.state, reason: c.reason, progress: c.progress, effectMs: c.effectMs } : null;
    }, rth.commandId);
    const statuses = await page.evaluate(([id, since]) => (window.__e2eTrack.statuses.get(id) ?? [])
      .filter(([, at], i, all) => at >= since || all[i + 1]?.[1] >= since).map(([s]) => s), [rth.id, rth.issuedAt]);
    assert(command, 'the command is not in the dashboard\'s store');
    assert(command.state === 'completed', `after ${Math.round((Date.now() - rth.issuedAt) / 1000)} s the command is ${command.state}` +
      `${command.reason ? ` (${command.reason})` : ''}, ${Math.round(command.progress ?? 0)} % done; drone ${rth.id} went ${statuses.join(' → ')}`);
    assert(statuses.some((s) => s === 'LANDING' || s === 'GROUNDED'), `drone ${rth.id} never came down: ${statuses.join(' → ')}`);
    if (rth.distance === null || rth.distance > 30) {
      assert(statuses.includes('RETURNING'), `drone ${rth.id} was away from home but never RETURNING: ${statuses.join(' → ')}`);
    }
    // What the operator sees: the drone grounded in the detail panel, the command completed in its timeline.
    await selectRow(rth.id);
    await waitFor(page, () => document.querySelector('[data-testid=detail-status]')?.textContent === 'grounded', undefined, 10_000);
    await waitFor(page, (sel) => document.querySelector(`${sel} [data-testid=command-state]`)?.textContent === 'completed', commandEntry(rth.commandId), 10_000);
    const steps = await page.locator(`${commandEntry(rth.commandId)} [data-testid=command-transition]`).evaluateAll((els) => els.map((e) => e.dataset.state));
    assert(steps[steps.length - 1] === 'completed', `the timeline ends with ${steps[steps.length - 1]}`);
    // The fleet-wide list shows the newest orders: it has the return-to-home, completed, unless newer orders (geofence
    // and low-battery returns of the whole fleet, during the minutes the drone took to land) pushed it off the list.
    const recent = await recentCommands(page);
    const newer = await page.evaluate((id) => {
      const mine = window.__odyssey.commands.get(id);
      return [...window.__odyssey.commands.byId.values()].filter((c) => c.issuedAtMs > mine.issuedAtMs).length;
    }, rth.commandId);
    const row = recent.rows.find((r) => r.id === String(rth.commandId));
    if (newer < recent.limit) {
      assert(row, `the recent commands list lacks the return-to-home (${newer} newer orders, the list holds ${recent.limit})`);
      assert(row.state === 'completed', `the recent commands list shows the return-to-home ${row.state}`);
    } else {
      assert(!row, `the return-to-home is listed although ${newer} orders are newer than it`);
    }
    return `drone ${rth.id}: ${statuses.join(' → ')}; command ${steps.join(' → ')} in ${((command.effectMs ?? NaN) / 1000).toFixed(1)} s; ` +
      (row ? 'listed in recent commands' : `off the recent list (${newer} newer orders)`);
  });

  await check('the access token appears in no request URL', async () => {
    if (!operatorToken) return 'skipped: no token';
    const leaks = requestUrls.filter((u) => u.includes(operatorToken));
    assert(leaks.length === 0, `the token is in ${leaks.length} URL(s)`);
    return `${requestUrls.length} requests and sockets checked`;
  });

  await check('no errors in the browser console', async () => {
    // Before signing in, whoami without a token may be answered 401 (the gateway admits no anonymous viewers).
    const relevant = consoleErrors.filter((t, i) => !t.includes('favicon') && !(i < signInMark && /status of 401/.test(t)));
    assert(relevant.length === 0, relevant.slice(0, 3).join(' | '));
  });

  // Artifacts: a still with a drone selected, and ~5 s of the live dashboard as an animated GIF.
  const still = page.locator('[data-testid^=drone-row-]').nth(1);
  const stillId = (await still.getAttribute('data-testid').catch(() => null))?.replace('drone-row-', '');
  await still.click().catch(() => {});
  if (stillId) {
    await waitFor(page, (expected) => document.querySelector('[data-testid=detail-id]')?.textContent === expected,
      stillId, 5_000).catch(() => {});
  }
  await page.screenshot({ path: path.join(artifacts, 'dashboard.png') });
  const gifFile = path.join(artifacts, 'demo.gif');
  await recordGif(page, gifFile);
  if (process.env.E2E_DEMO_GIF) fs.copyFileSync(gifFile, path.resolve(process.env.E2E_DEMO_GIF));
  log(`  artifacts: ${path.join(artifacts, 'dashboard.png')}, ${gifFile} (${(fs.statSync(gifFile).size / 1024).toFixed(0)} KiB)`);
  await finish(0);
} catch (error) {
  log(`  ✗ the test could not run: ${error?.stack ?? error}`);
  results.push({ name: 'setup', ok: false });
  await finish(1);
}

/** About five seconds of the live dashboard: 25 frames of the page at 1280×800, scaled down to 800×500. */
async function recordGif(page, file) {
  const widthBefore = await page.evaluate(() => window.__odyssey.map.getCanvas().clientWidth);
  await page.setViewportSize({ width: 1280, height: 800 });
  // Until the map has taken the new size (the first frame would otherwise show it stretched).
  await waitFor(page, (before) => window.__odyssey.map.getCanvas().clientWidth !== before &&
    window.__odyssey.map.getCanvas().clientWidth === window.__odyssey.map.getContainer().clientWidth, widthBefore, 5_000)
    .catch(() => {});
  const gif = GIFEncoder();
  const frames = 25, intervalMs = 200;
  let next = Date.now();
  for (let frame = 0; frame < frames; frame++) {
    const png = PNG.sync.read(await page.screenshot({ type: 'png' }));
    const small = downscale(png, 800, 500);
    const palette = quantize(small, 256, { format: 'rgb444' });
    gif.writeFrame(applyPalette(small, palette, 'rgb444'), 800, 500, { palette, delay: intervalMs });
    next += intervalMs;
    await page.waitForTimeout(Math.max(0, next - Date.now()));
  }
  gif.finish();
  fs.writeFileSync(file, gif.bytes());
  await page.setViewportSize({ width: 1400, height: 860 });
}

/** Area-averaging downscale of an RGBA image (keeps text legible where nearest-neighbour would not). */
function downscale(png, width, height) {
  const out = new Uint8Array(width * height * 4);
  const sx = png.width / width, sy = png.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * sy), y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * sx), x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      let r = 0, g = 0, b = 0, n = 0;
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const i = (yy * png.width + xx) * 4;
          r += png.data[i]; g += png.data[i + 1]; b += png.data[i + 2]; n++;
        }
      }
      const o = (y * width + x) * 4;
      out[o] = r / n; out[o + 1] = g / n; out[o + 2] = b / n; out[o + 3] = 255;
    }
  }
  return out;
}
