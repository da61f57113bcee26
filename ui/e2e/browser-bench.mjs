#!/usr/bin/env node
// The dashboard's cost at fleet scale, measured in Debian's Chromium against a RUNNING stack (`./odyssey bench
// --browser` starts one per fleet size and runs this). For each dashboard build given (e.g. main's and this branch's)
// and for a blank WebGL page in the same run (the baseline: what the browser costs doing nothing but frames), it
// loads the page, subscribes to the whole fleet, lets it settle, then measures for --duration seconds:
//   frames/s and frame time p50/p95 (the page's requestAnimationFrame intervals), and drone frames/s: frames in which
//   the drones were drawn (the page's or, where it draws them, the fleet worker's; `fleetMap.drones.drawn.frames`);
//   arrival age p50/p99: now − the drone's sentAt when the dashboard decoded the state (store.ages' samples);
//   drawn age p50/p99, per state: from a state's sentAt to the commit of the first frame that drew the drone at that
//   state (the first task after its commit; `fleetMap.drawnAges`), and drawn staleness p50/p99, per frame: now − sentAt
//   of the newest state a frame draws, at its commit (`fleetMap.drawnStaleness`). A dashboard without drawnStaleness
//   (before 2026-12-06's motion-now) has only its per-frame figure, of the state interpolated between the last two (it
//   glided between them), in `drawnAgeMs`, marked `drawnAgeDefinition: 'per frame (interpolated)'`; dashboards before
//   the worker sampled it when the frame's JavaScript ran;
//   the browser's CPU (all its processes, from /proc, in % of one core) and the page's main-thread busy time and JS
//   heap (Chrome DevTools Protocol Performance metrics).
// With --profile S, after the measured window each page's main thread is sampled for S more seconds with the DevTools
// CPU profiler (not during the window: profiling slows the page): `<label>-<page>.cpuprofile` (open it in DevTools)
// and `<label>-<page>-profile.md`, the functions with the most self and total time.
// With --trace S, after that, a Chromium trace of every process for S seconds (the renderer's main thread, the fleet
// worker, the compositor, the GPU process: SwiftShader's drawing, the read-backs, viz): `<label>-<page>.trace.json.gz`
// (open it in chrome://tracing or https://ui.perfetto.dev) and `<label>-<page>-threads.md`, each thread's busy time
// and the events with the most self time on it, and the drone frames the fleet worker drew meanwhile.
// Each dashboard build is served from its dist/ by a small local server that passes everything else (config.json,
// api, WebSockets) through to the gateway, so every build runs against the same stack.
//
//   node ui/e2e/browser-bench.mjs --gateway http://127.0.0.1:8080 --token T --drones 1000 --duration 30 \
//     --out bench-results/<time>/browser --label 1000 --dashboard before=/tmp/main-ui/dist --dashboard after=ui/dist
import fs from 'node:fs';
import zlib from 'node:zlib';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import hdr from 'hdr-histogram-js';

const args = { dashboard: [] };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  const value = process.argv[i + 1];
  if (key === 'dashboard') args.dashboard.push(value);
  else args[key] = value;
}
const gateway = new URL(args.gateway ?? 'http://127.0.0.1:8080');
const token = args.token ?? '';
const drones = Number(args.drones ?? 50);
const durationS = Number(args.duration ?? 30);
const settleS = Number(args.settle ?? 8);
const profileS = Number(args.profile ?? 0);
const traceS = Number(args.trace ?? 0);
const out = path.resolve(args.out ?? 'bench-results/browser');
const label = args.label ?? String(drones);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
];
const log = (line) => console.log(`[browser-bench] ${line}`);
fs.mkdirSync(out, { recursive: true });

const BLANK = `<!doctype html><html><body style="margin:0;background:#0b1220"><canvas id="c" style="width:100vw;height:100vh;display:block"></canvas>
<script>
const canvas = document.getElementById('c');
canvas.width = innerWidth * devicePixelRatio; canvas.height = innerHeight * devicePixelRatio;
const gl = canvas.getContext('webgl2');
let t = 0;
(function frame() { t++; gl.clearColor(0.04, 0.07, 0.13 + (t % 2) * 0.001, 1); gl.clear(gl.COLOR_BUFFER_BIT); requestAnimationFrame(frame); })();
</script></body></html>`;

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml' };

/** Serves `dist` (and the blank page); everything else goes to the gateway, WebSocket upgrades as a raw pipe. */
function serve(dist) {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (pathname === '/__blank.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(BLANK);
      return;
    }
    if (dist) {
      const file = path.join(dist, pathname === '/' ? 'index.html' : pathname);
      if (file.startsWith(dist) && fs.existsSync(file) && fs.statSync(file).isFile()) {
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
        fs.createReadStream(file).pipe(res);
        return;
      }
    }
    const headers = { ...req.headers, host: gateway.host, ...(req.headers.origin ? { origin: gateway.origin } : {}) };
    const upstream = http.request({ host: gateway.hostname, port: gateway.port, path: req.url, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(Number(gateway.port), gateway.hostname, () => {
      // As if the page came from the gateway: it refuses WebSockets from another origin.
      const headers = Object.entries({ ...req.headers, host: gateway.host, ...(req.headers.origin ? { origin: gateway.origin } : {}) })
        .map(([k, v]) => `${k}: ${v}`).join('\r\n');
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const close = () => { upstream.destroy(); socket.destroy(); };
    upstream.on('error', close);
    socket.on('error', close);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** CPU seconds (user + system) of every process below `root` (the browser and its renderers, GPU, utility). */
function cpuSecondsBelow(root) {
  const ticks = 100; // USER_HZ
  const children = new Map();
  const times = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      times.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / ticks);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch { /* gone */ }
  }
  let total = 0;
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop();
    total += times.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

function histogram(samplesMs) {
  // Microseconds, 3 significant digits, up to an hour.
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  for (const v of samplesMs) if (Number.isFinite(v) && v >= 0) h.recordValue(Math.max(1, Math.round(v * 1000)));
  return h;
}

function writeHistogram(name, h) {
  if (h.totalCount === 0) return;
  fs.writeFileSync(path.join(out, `${name}.hgrm`), h.outputPercentileDistribution(5, 1000));
  const writer = new hdr.HistogramLogWriter((text) => fs.appendFileSync(path.join(out, `${name}.hlog`), text));
  fs.rmSync(path.join(out, `${name}.hlog`), { force: true });
  writer.outputComment(`${name}: values in microseconds`);
  writer.outputLogFormatVersion();
  writer.outputLegend();
  writer.outputIntervalHistogram(h);
}

const pct = (h, p) => (h.totalCount === 0 ? null : h.getValueAtPercentile(p) / 1000);

/** p50/p99 of the samples per whole minute of the window (none for a window under a minute). */
function byMinute(values, at) {
  if (!at?.length) return [];
  const start = at[0];
  const minutes = [];
  for (let i = 0; i < values.length; i++) {
    const m = Math.floor((at[i] - start) / 60_000);
    (minutes[m] ??= []).push(values[i]);
  }
  const whole = Math.floor((at[at.length - 1] - start) / 60_000);
  return minutes.slice(0, whole).map((list, minute) => {
    const h = histogram(list ?? []);
    return { minute, p50: pct(h, 50), p99: pct(h, 99), samples: h.totalCount };
  });
}

async function measure(context, name, pageUrl, isDashboard) {
  const page = await context.newPage();
  try {
    return await measurePage(context, page, name, pageUrl, isDashboard);
  } catch (error) {
    // What the page showed when it failed, for whoever reads the results.
    await page.screenshot({ path: path.join(out, `${label}-${name}-failure.png`) }).catch(() => {});
    throw error;
  }
}

async function measurePage(context, page, name, pageUrl, isDashboard) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(pageUrl, { waitUntil: 'load', timeout: 60_000 });
  if (isDashboard) {
    await page.waitForFunction(() => document.querySelector('[data-testid=signin-token]') || document.querySelector('[data-testid=signout]') ||
      (window.__odyssey?.store?.drones.size ?? 0) > 0, undefined, { timeout: 60_000 });
    if (await page.locator('[data-testid=signin-token]').count() > 0) {
      await page.fill('[data-testid=signin-token]', token);
      await page.keyboard.press('Enter');
    }
    // The whole fleet: untick "map area only".
    await page.waitForSelector('[data-testid=follow-view]', { timeout: 60_000 });
    // A DOM click: on a loaded machine the page may be too slow for Playwright's "stable element" wait.
    await page.evaluate(() => { const box = document.querySelector('[data-testid=follow-view]'); if (box.checked) box.click(); });
    await page.waitForFunction((n) => (window.__odyssey?.store?.drones.size ?? 0) >= n, Math.floor(drones * 0.9), { timeout: 120_000, polling: 500 });
  }
  await page.waitForTimeout(settleS * 1000);
  // From here on: every rAF interval, every arrival and drawn age sample.
  await page.evaluate((dashboard) => {
    const b = { frames: [], arrival: [], arrivalAt: [], drawn: [], staleness: [], perState: false, heap: [] };
    window.__bench = b;
    let last = performance.now();
    const frame = (t) => { b.frames.push(t - last); last = t; if (!b.stopped) requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
    if (dashboard) {
      const { store, fleetMap } = window.__odyssey;
      const ages = store.ages;
      const addAge = ages.add.bind(ages);
      ages.add = (v, at) => { b.arrival.push(v); b.arrivalAt.push(performance.now()); addAge(v, at); };
      fleetMap.measureDrawnAge = true;
      const drawn = fleetMap.drawnAges;
      const addDrawn = drawn.add.bind(drawn);
      drawn.add = (v, at) => { b.drawn.push(v); addDrawn(v, at); };
      const staleness = fleetMap.drawnStaleness;
      if (staleness) {
        b.perState = true;
        const addStaleness = staleness.add.bind(staleness);
        staleness.add = (v, at) => { b.staleness.push(v); addStaleness(v, at); };
      }
    }
  }, isDashboard);
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const droneFrames = () => page.evaluate(() => window.__odyssey?.fleetMap?.drones?.drawn?.frames ?? 0);
  const d0 = isDashboard ? await droneFrames() : 0;
  const m0 = await metrics();
  const cpu0 = cpuSecondsBelow(process.pid);
  const t0 = Date.now();
  let heapMax = 0;
  while (Date.now() - t0 < durationS * 1000) {
    await page.waitForTimeout(1000);
    heapMax = Math.max(heapMax, (await metrics()).JSHeapUsedSize ?? 0);
  }
  const wallS = (Date.now() - t0) / 1000;
  const m1 = await metrics();
  const cpu1 = cpuSecondsBelow(process.pid);
  const d1 = isDashboard ? await droneFrames() : 0;
  const samples = await page.evaluate(() => { window.__bench.stopped = true; return window.__bench; });
  let profile = null;
  if (profileS > 0) profile = await profileMainThread(cdp, name);
  let threads = null;
  if (traceS > 0) threads = await traceAllThreads(page, name, isDashboard);
  const extra = isDashboard ? await page.evaluate(() => ({
    shown: window.__odyssey.store.drones.size, encoding: window.__odyssey.connection?.encoding ?? 'json',
    drawnIn: window.__odyssey.fleetMap?.drones?.drawnIn ?? 'page', painter: window.__odyssey.fleetMap?.drones?.painter ?? 'webgl',
  })) : {};
  await page.close();
  const frameH = histogram(samples.frames);
  const arrivalH = histogram(samples.arrival);
  const drawnH = histogram(samples.drawn);
  const stalenessH = histogram(samples.staleness);
  writeHistogram(`${label}-${name}-frame`, frameH);
  writeHistogram(`${label}-${name}-arrival`, arrivalH);
  writeHistogram(`${label}-${name}-drawn`, drawnH);
  if (samples.perState) writeHistogram(`${label}-${name}-staleness`, stalenessH);
  return {
    name, drones, durationS: wallS, ...extra,
    framesPerS: samples.frames.length / wallS,
    // The blank page draws in every frame it has.
    droneFramesPerS: isDashboard ? (d1 - d0) / wallS : samples.frames.length / wallS,
    frameMs: { p50: pct(frameH, 50), p95: pct(frameH, 95) },
    arrivalAgeMs: { p50: pct(arrivalH, 50), p99: pct(arrivalH, 99), samples: arrivalH.totalCount },
    // Whether the page falls behind over a long window: the arrival age minute by minute.
    arrivalAgeByMinute: byMinute(samples.arrival, samples.arrivalAt),
    drawnAgeMs: { p50: pct(drawnH, 50), p99: pct(drawnH, 99), samples: drawnH.totalCount },
    ...(isDashboard ? { drawnAgeDefinition: samples.perState ? 'per state' : 'per frame (interpolated)' } : {}),
    ...(samples.perState ? { drawnStalenessMs: { p50: pct(stalenessH, 50), p99: pct(stalenessH, 99), samples: stalenessH.totalCount } } : {}),
    browserCpuPct: ((cpu1 - cpu0) / wallS) * 100,
    mainThreadBusyPct: ((m1.TaskDuration - m0.TaskDuration) / wallS) * 100,
    heapMB: { end: (m1.JSHeapUsedSize ?? 0) / 1e6, max: heapMax / 1e6 },
    pageErrors: errors.slice(0, 3),
    ...(profile ? { profile } : {}),
    ...(threads ? { threads } : {}),
  };
}

/**
 * A trace of every Chromium process for --trace seconds (through the browser's own DevTools session, so the GPU
 * process and the workers are in it): the raw trace gzipped, and per thread its busy time (top-level events, wall and
 * thread time) and the events with the most self time.
 */
async function traceAllThreads(page, name, isDashboard) {
  const session = await page.context().browser().newBrowserCDPSession();
  const events = [];
  session.on('Tracing.dataCollected', (data) => { for (const e of data.value) events.push(e); });
  const complete = new Promise((resolve) => session.once('Tracing.tracingComplete', resolve));
  await session.send('Tracing.start', {
    traceConfig: {
      recordMode: 'recordContinuously',
      includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame',
        'v8.execute', 'blink', 'cc', 'gpu', 'viz', 'toplevel', 'disabled-by-default-gpu.service', 'disabled-by-default-viz.gpu_composite_time',
        'benchmark', 'rail'],
    },
    transferMode: 'ReportEvents',
  });
  const frames = () => (isDashboard ? page.evaluate(() => window.__odyssey?.fleetMap?.drones?.drawn?.frames ?? 0) : Promise.resolve(0));
  const f0 = await frames();
  const t0 = Date.now();
  await new Promise((resolve) => setTimeout(resolve, traceS * 1000));
  const wallMs = Date.now() - t0;
  const f1 = await frames();
  await session.send('Tracing.end');
  await complete;
  await session.detach();
  fs.writeFileSync(path.join(out, `${label}-${name}.trace.json.gz`), zlib.gzipSync(JSON.stringify({ traceEvents: events })));
  const processes = new Map();
  const threadNames = new Map();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    if (e.name === 'process_name') processes.set(e.pid, e.args?.name);
    if (e.name === 'process_labels' && e.args?.labels) processes.set(e.pid, `${processes.get(e.pid) ?? ''} (${e.args.labels})`);
    if (e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, e.args?.name);
  }
  const byThread = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    const key = `${e.pid}:${e.tid}`;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(e);
  }
  const wallUs = traceS * 1e6;
  const threads = [];
  for (const [key, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const self = new Map();
    const stack = [];
    let busyUs = 0;
    let cpuUs = 0;
    for (const e of list) {
      while (stack.length && stack[stack.length - 1].end <= e.ts) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) self.set(parent.name, self.get(parent.name) - e.dur);
      else { busyUs += e.dur; cpuUs += e.tdur ?? 0; }
      self.set(e.name, (self.get(e.name) ?? 0) + e.dur);
      stack.push({ end: e.ts + e.dur, name: e.name });
    }
    const pid = Number(key.split(':')[0]);
    threads.push({
      process: processes.get(pid) ?? String(pid), thread: threadNames.get(key) ?? key, busyPct: (100 * busyUs) / wallUs,
      cpuPct: (100 * cpuUs) / wallUs,
      top: [...self].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([event, us]) => ({ event, ms: us / 1000, pct: (100 * us) / wallUs })),
    });
  }
  threads.sort((a, b) => b.busyPct - a.busyPct);
  const droneFramesPerS = isDashboard ? ((f1 - f0) * 1000) / wallMs : null;
  const md = [`# ${label} ${name}: every thread, ${traceS} s traced`, '',
    `Load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.${droneFramesPerS === null ? '' : ` Drone frames meanwhile: ${droneFramesPerS.toFixed(1)}/s.`}` +
    ' Busy = top-level events\' wall time, CPU = their thread time (where the trace has it), % of the traced wall time;' +
    ' self = an event\'s time less its children\'s.', ''];
  for (const t of threads.filter((x) => x.busyPct >= 0.5)) {
    md.push(`## ${t.process} / ${t.thread}: busy ${t.busyPct.toFixed(1)} %, CPU ${t.cpuPct.toFixed(1)} %`, '', '| event | self ms | % |', '|---|---|---|',
      ...t.top.map((r) => `| \`${r.event}\` | ${r.ms.toFixed(1)} | ${r.pct.toFixed(1)} |`), '');
  }
  fs.writeFileSync(path.join(out, `${label}-${name}-threads.md`), md.join('\n'));
  return { file: `${label}-${name}.trace.json.gz`, droneFramesPerS, threads: threads.slice(0, 8).map((t) => ({ process: t.process, thread: t.thread, busyPct: t.busyPct, cpuPct: t.cpuPct })) };
}

/** Samples the page's main thread for --profile seconds; writes the profile and its top functions. */
async function profileMainThread(cdp, name) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 }); // µs
  await cdp.send('Profiler.start');
  await new Promise((resolve) => setTimeout(resolve, profileS * 1000));
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.send('Profiler.disable');
  fs.writeFileSync(path.join(out, `${label}-${name}.cpuprofile`), JSON.stringify(profile));
  const top = topFunctions(profile);
  // The JS profiler sees native work only as "(program)": a trace of the same length says what it is.
  const trace = await traceMainThread(cdp);
  fs.writeFileSync(path.join(out, `${label}-${name}-profile.md`), `${top.markdown}\n${trace.markdown}`);
  return {
    file: `${label}-${name}.cpuprofile`, totalMs: top.totalMs, idlePct: top.idlePct, topSelf: top.self.slice(0, 8),
    topTraceEvents: trace.self.slice(0, 8),
  };
}

/** A DevTools timeline trace for --profile seconds: self time per trace event on the page's renderer main thread. */
async function traceMainThread(cdp, rows = 30) {
  const events = [];
  const onData = (data) => events.push(...data.value);
  cdp.on('Tracing.dataCollected', onData);
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink,cc,gpu,toplevel',
    transferMode: 'ReportEvents',
  });
  await new Promise((resolve) => setTimeout(resolve, profileS * 1000));
  await cdp.send('Tracing.end');
  await complete;
  cdp.off('Tracing.dataCollected', onData);
  // The busiest CrRendererMain: this page's (the browser may still hold an earlier page's renderer).
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
    .map((e) => `${e.pid}:${e.tid}`));
  const busy = new Map();
  for (const e of events) if (e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`)) busy.set(`${e.pid}:${e.tid}`, (busy.get(`${e.pid}:${e.tid}`) ?? 0) + (e.dur ?? 0));
  const main = [...busy].sort((a, b) => b[1] - a[1])[0]?.[0];
  const complete_ = events.filter((e) => e.ph === 'X' && `${e.pid}:${e.tid}` === main && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  // Self time: each event's duration less its children's (events nest by time on one thread).
  const self = new Map();
  const stack = [];
  let topLevelUs = 0;
  for (const e of complete_) {
    while (stack.length && stack[stack.length - 1].end <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) parent.children += e.dur;
    else topLevelUs += e.dur;
    self.set(e.name, (self.get(e.name) ?? 0) + e.dur);
    stack.push({ end: e.ts + e.dur, name: e.name, children: 0, dur: e.dur });
    if (parent) self.set(parent.name, self.get(parent.name) - e.dur);
  }
  const wallUs = profileS * 1e6;
  const list = [...self].sort((a, b) => b[1] - a[1]).slice(0, rows)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((1000 * us) / wallUs) / 10 }));
  const markdown = ['## Trace: self time per event on the renderer main thread', '',
    `${profileS} s traced right after the profile; top-level tasks ${(topLevelUs / 1000).toFixed(0)} ms ` +
    `(${((100 * topLevelUs) / wallUs).toFixed(1)} % of the wall time). % = of the wall time.`, '',
    '| event | ms | % |', '|---|---|---|', ...list.map((r) => `| \`${r.name}\` | ${r.ms} | ${r.pct} |`), ''].join('\n');
  return { self: list, markdown };
}

/**
 * Self time per function (the samples where it was on top) and total time (the samples where it was anywhere on the
 * stack, counted once however deep it recursed), in ms and % of the profile.
 */
function topFunctions(profile, rows = 30) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const keyOf = (n) => {
    const f = n.callFrame;
    const file = f.url ? f.url.replace(/^.*\//, '').replace(/\?.*$/, '') : '';
    return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}:${f.columnNumber + 1}` : ''}`;
  };
  const self = new Map();
  const total = new Map();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const node = byId.get(id);
    self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + ms);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = keyOf(byId.get(at));
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + ms);
    }
  });
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, rows)
    .map(([fn, ms]) => ({ fn, ms: Math.round(ms * 10) / 10, pct: Math.round((1000 * ms) / totalMs) / 10 }));
  const idleMs = self.get('(idle)') ?? 0;
  const table = (title, list) => [`## ${title}`, '', '| function | ms | % |', '|---|---|---|',
    ...list.map((r) => `| \`${r.fn}\` | ${r.ms} | ${r.pct} |`), ''];
  const top = { self: sorted(self), total: sorted(total), totalMs, idlePct: Math.round((1000 * idleMs) / totalMs) / 10 };
  top.markdown = [`# ${label}: CPU profile of the page's main thread`, '',
    `${(totalMs / 1000).toFixed(1)} s sampled every 0.5 ms; idle ${top.idlePct} %. Load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`, '',
    ...table('Self time', top.self), ...table('Total time (on the stack)', top.total)].join('\n');
  return top;
}

const results = { label, drones, gateway: gateway.href, loadAverage: os.loadavg(), started: new Date().toISOString(), scenarios: [] };
const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
try {
  // A dashboard is name=dist, optionally name=dist?query (e.g. ?drones=webgl: the same build with a forced painter).
  const dashboards = args.dashboard.map((d) => {
    const [name, where] = [d.slice(0, d.indexOf('=')), d.slice(d.indexOf('=') + 1)];
    const [dist, query] = where.split('?');
    return { name, dist: path.resolve(dist), query: query ? `?${query}` : '' };
  });
  for (const spec of [{ name: 'blank', dist: null, query: '' }, ...dashboards]) {
    const server = await serve(spec.dist);
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    const pageUrl = `http://127.0.0.1:${server.address().port}/${spec.dist ? spec.query : '__blank.html'}`;
    log(`${label}: ${spec.name} (${spec.dist ?? 'blank WebGL page'}) for ${durationS} s, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    try {
      const r = await measure(context, spec.name, pageUrl, spec.dist !== null);
      r.loadAverage = os.loadavg();
      results.scenarios.push(r);
      log(`  ${JSON.stringify(r)}`);
    } catch (error) {
      results.scenarios.push({ name: spec.name, error: String(error?.message ?? error).split('\n')[0] });
      log(`  ${spec.name} failed: ${error?.message ?? error}`);
    }
    await context.close();
    server.close();
  }
} finally {
  await browser.close();
}
fs.writeFileSync(path.join(out, `${label}.json`), JSON.stringify(results, null, 2));
log(`results: ${path.join(out, `${label}.json`)}`);

// The summary of every fleet size measured into this directory so far, with ratios to the same run's blank page.
const rows = [];
const f = (v, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
for (const file of fs.readdirSync(out).filter((n) => n.endsWith('.json')).sort((a, b) => parseInt(a, 10) - parseInt(b, 10))) {
  const run = JSON.parse(fs.readFileSync(path.join(out, file), 'utf8'));
  const blank = run.scenarios.find((s) => s.name === 'blank' && !s.error);
  for (const s of run.scenarios) {
    if (s.error) {
      rows.push(`| ${run.drones} | ${s.name} | failed: ${s.error} |||||||||||`);
      continue;
    }
    const ratio = (a, b) => (blank && b ? ` (${(a / b).toFixed(2)}×)` : '');
    rows.push(`| ${run.drones} | ${s.name}${s.encoding ? ` (${s.encoding}, drawn in ${s.drawnIn ?? 'page'}${s.painter ? `, ${s.painter}` : ''})` : ''} | ${f(s.framesPerS)}${s.name === 'blank' ? '' : ratio(s.framesPerS, blank?.framesPerS)} | ` +
      `${f(s.droneFramesPerS)}${s.name === 'blank' ? '' : ratio(s.droneFramesPerS, blank?.framesPerS)} | ` +
      `${f(s.frameMs.p50)} / ${f(s.frameMs.p95)}${s.name === 'blank' ? '' : ratio(s.frameMs.p50, blank?.frameMs.p50)} | ` +
      `${f(s.arrivalAgeMs.p50, 0)} / ${f(s.arrivalAgeMs.p99, 0)} | ` +
      `${f(s.drawnAgeMs.p50, 0)} / ${f(s.drawnAgeMs.p99, 0)}${s.drawnAgeDefinition === 'per frame (interpolated)' ? ' (per frame, interpolated)' : ''} | ` +
      `${s.drawnStalenessMs ? `${f(s.drawnStalenessMs.p50, 0)} / ${f(s.drawnStalenessMs.p99, 0)}` : '–'} | ` +
      `${f(s.browserCpuPct, 0)}${s.name === 'blank' ? '' : ratio(s.browserCpuPct, blank?.browserCpuPct)} | ${f(s.mainThreadBusyPct, 0)} | ` +
      `${f(s.heapMB.max, 0)}${s.name === 'blank' ? '' : ratio(s.heapMB.max, blank?.heapMB.max)} | ${s.loadAverage.map((l) => l.toFixed(1)).join(' ')} |`);
  }
}
fs.writeFileSync(path.join(out, 'summary.md'), [
  '# Dashboard in the browser (`./odyssey bench --browser`)',
  '',
  'Debian Chromium, software WebGL (SwiftShader), 1400×860, whole fleet subscribed. Ages in ms (docs/performance.md',
  'defines them; drawn age is per state, drawn staleness per frame; a dashboard before both has its per-frame figure of',
  'the interpolated state in the drawn age column, marked); frames/s = the page\'s animation frames; drone frames/s = frames that drew the drones (on the page or',
  'in the fleet worker; the blank page draws in each of its frames); frame time = requestAnimationFrame interval; CPU =',
  'all browser processes, % of one core; main thread = the page\'s busy time; heap = the page\'s JS heap (max). Ratios',
  'against the blank WebGL page of the same run.',
  '',
  '| drones | page | frames/s | drone frames/s | frame ms p50 / p95 | arrival age p50 / p99 | drawn age p50 / p99 | drawn staleness p50 / p99 | CPU % | main thread % | heap MB | load avg (1/5/15 min) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n'));
log(`summary: ${path.join(out, 'summary.md')}`);
