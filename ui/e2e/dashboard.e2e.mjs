// Browser test of the live dashboard against a REAL running stack (started by `./odyssey test`):
// Debian's chromium driven by playwright-core. Prints "N passed, M failed" and exits non-zero on failure.
// Env: ODYSSEY_URL (dashboard), E2E_MIN_DRONES, E2E_ARTIFACTS (screenshot + GIF), E2E_DEMO_GIF (copy the GIF there),
// CHROMIUM_PATH.
import { chromium } from 'playwright-core';
import gifenc from 'gifenc';
import pngjs from 'pngjs';

const { GIFEncoder, quantize, applyPalette } = gifenc;
const { PNG } = pngjs;
import fs from 'node:fs';
import path from 'node:path';

const url = process.env.ODYSSEY_URL ?? 'http://127.0.0.1:8080/';
const minDrones = Number(process.env.E2E_MIN_DRONES ?? 50);
const artifacts = path.resolve(process.env.E2E_ARTIFACTS ?? 'ui/e2e/artifacts');
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
fs.mkdirSync(artifacts, { recursive: true });

const results = [];
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`  ✗ ${name}: ${error.message}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function waitFor(page, fn, arg, timeout = 30_000) {
  await page.waitForFunction(fn, arg, { timeout, polling: 200 });
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    // (playwright gives every launch a fresh, empty user-data-dir of its own)
    // MapLibre needs WebGL: a software (SwiftShader) context, since headless CI machines have no GPU.
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
  ],
});
const consoleErrors = [];
let exitCode = 1;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  console.log(`dashboard e2e against ${url}`);
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });

  await check('connection becomes live', async () => {
    await waitFor(page, () => document.querySelector('[data-testid=connection-status]')?.textContent?.includes('live'));
  });

  await check(`at least ${minDrones} drones are known`, async () => {
    await waitFor(page, (min) => Number(document.querySelector('[data-testid=drone-count]')?.textContent) >= min, minDrones);
  });

  await check('the map renders drones with WebGL', async () => {
    // Not map.loaded(): with positions streaming in, the drones source is reloading most of the time.
    await waitFor(page, () => {
      const handle = window.__odyssey;
      return handle && handle.map.isStyleLoaded() && handle.map.getLayer('drones') &&
        handle.map.queryRenderedFeatures({ layers: ['drones'] }).length > 0;
    }, undefined, 60_000);
    const rendered = await page.evaluate(() => window.__odyssey.map.queryRenderedFeatures({ layers: ['drones'] }).length);
    assert(rendered >= Math.min(10, minDrones), `only ${rendered} drones rendered on the map`);
    // The pixels, not just the scene graph: the map image must contain several status colours.
    const png = PNG.sync.read(await page.locator('[data-testid=map] canvas').screenshot());
    const colours = new Set();
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
      if (Math.max(r, g, b) > 120) colours.add(`${r >> 5},${g >> 5},${b >> 5}`);
    }
    assert(colours.size >= 2, `map canvas shows ${colours.size} bright colours: drones are not drawn`);
  });

  await check('drones move: positions and sequence numbers change', async () => {
    const first = await page.evaluate(() => [...window.__odyssey.store.drones.values()].map((d) => [d.id, d.seq, d.lat, d.lon]));
    await page.waitForTimeout(1500);
    const later = new Map(await page.evaluate(() => [...window.__odyssey.store.drones.values()].map((d) => [d.id, [d.seq, d.lat, d.lon]])));
    let advanced = 0, moved = 0;
    for (const [id, seq, lat, lon] of first) {
      const now = later.get(id);
      if (!now) continue;
      assert(now[0] >= seq, `drone ${id} sequence went back from ${seq} to ${now[0]}`);
      if (now[0] > seq) advanced++;
      if (now[1] !== lat || now[2] !== lon) moved++;
    }
    assert(advanced >= first.length * 0.9, `only ${advanced} of ${first.length} drones sent new telemetry`);
    assert(moved > 0, 'no drone moved');
  });

  await check('the table updates live', async () => {
    const row = page.locator('[data-testid^=drone-seq-]').first();
    const testId = await row.getAttribute('data-testid');
    const before = Number(await row.textContent());
    await waitFor(page, ([id, seq]) => Number(document.querySelector(`[data-testid=${id}]`)?.textContent) > seq, [testId, before], 10_000);
  });

  await check('clicking a row shows that drone in the detail panel', async () => {
    const row = page.locator('[data-testid^=drone-row-]').nth(2);
    const id = (await row.getAttribute('data-testid')).replace('drone-row-', '');
    await row.click();
    await waitFor(page, (expected) => document.querySelector('[data-testid=detail-id]')?.textContent === expected, id, 5_000);
    const text = await page.locator('[data-testid=detail-panel]').textContent();
    for (const label of ['position', 'altitude', 'speed', 'heading', 'battery', 'sequence', 'telemetry age']) {
      assert(text.includes(label), `detail panel lacks ${label}`);
    }
  });

  await check('the status filter narrows the table to that status', async () => {
    const status = await page.evaluate(() => [...window.__odyssey.store.drones.values()][0].status);
    await page.selectOption('[data-testid=filter-status]', status);
    await page.waitForTimeout(600);
    const label = status.replace('_', ' ').toLowerCase();
    const cells = await page.locator('[data-testid^=drone-row-] td:nth-child(2)').allTextContents();
    assert(cells.length > 0, 'no rows after filtering');
    assert(cells.every((cell) => cell.trim() === label), `rows of other statuses shown: ${[...new Set(cells)].join(', ')}`);
    await page.selectOption('[data-testid=filter-status]', '');
  });

  await check('the id filter narrows the table', async () => {
    const id = await page.evaluate(() => String([...window.__odyssey.store.drones.keys()].sort((a, b) => b - a)[0]));
    await page.fill('[data-testid=filter-id]', id);
    await page.waitForTimeout(600);
    const ids = await page.locator('[data-testid^=drone-row-] td:first-child').allTextContents();
    assert(ids.length >= 1 && ids.every((text) => text.includes(id)), `unexpected rows for filter ${id}: ${ids.join(',')}`);
    await page.fill('[data-testid=filter-id]', '');
  });

  await check('the dashboard reconnects by itself when the link drops', async () => {
    const connections = () => page.evaluate(async () => {
      const text = await (await fetch('metrics')).text();
      return Number(/^odyssey_ws_connections_total\{[^}]*\} (\d+)/m.exec(text)[1]);
    });
    const before = await connections();
    await page.evaluate(() => {
      const status = document.querySelector('[data-testid=connection-status]');
      window.__statusLog = [];
      new MutationObserver(() => window.__statusLog.push(status.textContent))
        .observe(status, { childList: true, subtree: true, characterData: true });
      window.__odyssey.connection.socket.close();
    });
    await waitFor(page, () => window.__statusLog.some((text) => !text.includes('live')), undefined, 5_000);
    await waitFor(page, () => document.querySelector('[data-testid=connection-status]')?.textContent?.includes('live'), undefined, 20_000);
    assert((await connections()) > before, 'no new WebSocket connection reached the gateway');
    await waitFor(page, (min) => Number(document.querySelector('[data-testid=drone-count]')?.textContent) >= min, minDrones);
  });

  await check('on demand, the dashboard measures the age of what it draws', async () => {
    await page.click('[data-testid=render-age-toggle]');
    await waitFor(page, () => /\d/.test(document.querySelector('[data-testid=render-age-p50]')?.textContent ?? ''), undefined, 20_000);
    const p50 = await page.locator('[data-testid=render-age-p50]').textContent();
    assert(Number.parseFloat(p50) > 0, `drawn age p50 is ${p50}`);
    await page.click('[data-testid=render-age-toggle]');
  });

  await check('no errors in the browser console', async () => {
    const relevant = consoleErrors.filter((text) => !text.includes('favicon'));
    assert(relevant.length === 0, relevant.slice(0, 3).join(' | '));
  });

  await page.screenshot({ path: path.join(artifacts, 'dashboard.png') });
  await recordGif(page, path.join(artifacts, 'demo.gif'));
  if (process.env.E2E_DEMO_GIF) fs.copyFileSync(path.join(artifacts, 'demo.gif'), path.resolve(process.env.E2E_DEMO_GIF));
  exitCode = results.every((r) => r.ok) ? 0 : 1;
} catch (error) {
  console.log(`  ✗ the test could not run: ${error.stack ?? error}`);
  results.push({ name: 'setup', ok: false });
} finally {
  await browser.close();
}
const passed = results.filter((r) => r.ok).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(exitCode);

/** About five seconds of the live dashboard as an animated GIF (the README's demo). */
async function recordGif(page, file) {
  await page.setViewportSize({ width: 1100, height: 640 });
  await page.waitForTimeout(500);
  const gif = GIFEncoder();
  for (let frame = 0; frame < 25; frame++) {
    const png = PNG.sync.read(await page.screenshot({ type: 'png' }));
    const palette = quantize(png.data, 256);
    gif.writeFrame(applyPalette(png.data, palette), png.width, png.height, { palette, delay: 200 });
    await page.waitForTimeout(120);
  }
  gif.finish();
  fs.writeFileSync(file, gif.bytes());
}
