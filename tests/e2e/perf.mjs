// Browser budgets of the production build (dist/) in headless Chromium (issue 7).
//
//   bash .ci/build && node tests/e2e/perf.mjs
//   E2E_URL=http://127.0.0.1:8080/ node tests/e2e/perf.mjs   # against `.ci/serve`
//   PERF_LATENCY_RUNS=200 node tests/e2e/perf.mjs            # more latency samples
//
// Same runner style as run.mjs (TAP-like "ok"/"not ok", "metric:" lines, and a last line
// "e2e: N passed, M failed"). Figures are REPORTED; only hard budgets FAIL:
//   - cold load: everything transferred, brotli total <= SIZE_BUDGET_BROTLI_KB (the ceiling from .ci/tools.env; the 250 KiB target is reported by .ci/build);
//   - lessons load on demand: at most the course index and the lesson that is open;
//   - zero requests to another origin; zero console errors.
// Reported (targets in BENCHMARKS.md): time to a usable terminal with 4x CPU throttling
// (<= 1 s), Enter -> output painted for `kubectl get pods` p50/p95 over 50 runs (<= 16 ms),
// cluster view frames per second over 5 s with 100 nodes / 3,000 pods (60), while the pods
// start and once they run.
//
// The cluster-view figure needs the UI's bench hook: the page opened with
// `?bench=100x3000` builds a world of 100 nodes and 3,000 pods, runs the simulation, and sets
// `document.documentElement.dataset.bench = "ready"` once the cluster view shows it. Without
// the hook the figure is reported as n/a.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { startServer } from './server.mjs';
import {
  DIST_DIR,
  OUT_DIR,
  CHROMIUM,
  READY_TIMEOUT_MS,
  CHROMIUM_ARGS,
  loadChromium,
  results,
  metrics,
  test,
  metric,
  assert,
  runMain,
  summary,
} from './harness.mjs';

const OUTPUT_TIMEOUT_MS = 10000;
const LATENCY_RUNS = Number(process.env.PERF_LATENCY_RUNS ?? 50);
// The hard ceiling (.ci/tools.env SIZE_BUDGET_BROTLI_KB, what .ci/build enforces) and the
// target (SIZE_TARGET_BROTLI_KB, issue 7's 250 KiB), reported side by side.
const BUDGET_BROTLI_KIB = Number(process.env.SIZE_BUDGET_BROTLI_KB ?? 250);
const TARGET_BROTLI_KIB = Number(process.env.SIZE_TARGET_BROTLI_KB ?? 250);
const CPU_THROTTLE = 4;
const FPS_SECONDS = 5;
const BENCH_WORLD = '100x3000';
// Simulated seconds after which the bench world's pods all run (measured: ~17 s).
const SETTLED_SIM_S = 25;

const chromium = loadChromium('e2e perf');

// The runner (test, metric, assert) is tests/e2e/harness.mjs.

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const kib = (n) => (n / 1024).toFixed(1);

// Recorded by an init script before any page script: when #term-input is enabled.
function recordReadyTime() {
  const check = () => {
    const el = document.getElementById('term-input');
    if (el && !el.disabled && window.__kubesimReadyAt === undefined) {
      window.__kubesimReadyAt = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['disabled'] });
}

// A fresh context that records every request, response body and console error; requests to
// other origins are recorded and aborted.
async function openContext(browser, pageOrigin) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  await page.addInitScript(recordReadyTime);
  const log = { requests: [], foreign: [], consoleErrors: [], bodies: new Map() };
  await context.route('**/*', (route) => {
    const reqUrl = route.request().url();
    log.requests.push(reqUrl);
    if (new URL(reqUrl).origin === pageOrigin || reqUrl.startsWith('data:') || reqUrl.startsWith('blob:')) {
      return route.continue();
    }
    log.foreign.push(reqUrl);
    return route.abort('blockedbyclient');
  });
  page.on('response', async (res) => {
    if (res.status() !== 200) return;
    try {
      log.bodies.set(res.url(), await res.body());
    } catch {
      // Redirects and aborted requests have no body.
    }
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') log.consoleErrors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => log.consoleErrors.push(`uncaught: ${err.message}`));
  return { context, page, log };
}

async function waitReady(page) {
  await page.waitForSelector('#term-input:not([disabled])', { state: 'attached', timeout: READY_TIMEOUT_MS });
  return page.evaluate(() => window.__kubesimReadyAt ?? performance.now());
}

// Enter -> output: from the keydown of Enter to the DOM mutation showing the result and to the
// next animation frame after it (roughly when it is painted).
async function measureLatency(page, command, expected) {
  const input = page.locator('#term-input');
  await input.fill(command);
  await page.evaluate(
    ([src, flags, timeout]) => {
      const re = new RegExp(src, flags);
      const text = () => document.querySelector('#term-output')?.innerText ?? '';
      const before = text();
      window.__kubesimLatency = new Promise((resolve, reject) => {
        let t0 = null;
        document.addEventListener('keydown', (e) => { if (e.key === 'Enter') t0 = performance.now(); }, { capture: true, once: true });
        const observer = new MutationObserver(() => {
          if (t0 === null) return;
          const now = text();
          const fresh = now.startsWith(before) ? now.slice(before.length) : now;
          if (!re.test(fresh)) return;
          const dom = performance.now() - t0;
          observer.disconnect();
          requestAnimationFrame(() => resolve({ dom, frame: performance.now() - t0 }));
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        setTimeout(() => { observer.disconnect(); reject(new Error(`no output matching ${re} within ${timeout} ms`)); }, timeout);
      });
    },
    [expected.source, expected.flags, OUTPUT_TIMEOUT_MS],
  );
  await input.press('Enter');
  return page.evaluate(() => window.__kubesimLatency);
}

// ---------------------------------------------------------------------------

async function suite(browser, url) {
  const pageOrigin = new URL(url).origin;
  const allForeign = [];
  const allConsoleErrors = [];

  // 1. Cold load, unthrottled: every transferred file, compressed sizes, lessons not in it.
  {
    const { context, page, log } = await openContext(browser, pageOrigin);
    let loaded = false;
    await test('cold load: first page within the brotli budget', async () => {
      const response = await page.goto(url, { waitUntil: 'load', timeout: READY_TIMEOUT_MS });
      assert(response?.ok(), `GET ${url} answered ${response?.status()}`);
      await waitReady(page);
      loaded = true;
      await page.waitForLoadState('networkidle').catch(() => {});
      const rows = [...log.bodies.entries()].map(([u, body]) => ({
        name: new URL(u).pathname,
        raw: body.length,
        gzip: gzipSync(body, { level: 9 }).length,
        brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }).length,
      }));
      rows.sort((a, b) => b.brotli - a.brotli);
      const sum = (rs) => rs.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
      // The parts of the wasm split off the first download (.ci/wasm-split.mjs) are fetched
      // once the first page is painted: reported apart, not in the first load.
      const afterFirstPage = (name) => /_(module|chunk)_\d+_\w+\.wasm$/.test(name);
      const later = rows.filter((r) => afterFirstPage(r.name));
      const first = rows.filter((r) => !afterFirstPage(r.name));
      const total = sum(first);
      for (const r of first) metric(`cold load ${r.name}`, `raw ${kib(r.raw)} KiB, gzip ${kib(r.gzip)} KiB, brotli ${kib(r.brotli)} KiB`);
      metric('cold load total', `${first.length} files, raw ${kib(total.raw)} KiB, gzip ${kib(total.gzip)} KiB, brotli ${kib(total.brotli)} KiB (target ${TARGET_BROTLI_KIB} KiB, hard ceiling ${BUDGET_BROTLI_KIB} KiB)`);
      for (const r of later) metric(`after the first page ${r.name}`, `raw ${kib(r.raw)} KiB, gzip ${kib(r.gzip)} KiB, brotli ${kib(r.brotli)} KiB`);
      const after = sum(later);
      metric('after the first page total', `${later.length} files, brotli ${kib(after.brotli)} KiB (first load + after: ${kib(total.brotli + after.brotli)} KiB)`);
      assert(rows.length > 0, 'no response body recorded');
      assert(total.brotli / 1024 <= BUDGET_BROTLI_KIB, `brotli total ${kib(total.brotli)} KiB exceeds ${BUDGET_BROTLI_KIB} KiB`);
    });
    await test('cold load: lessons load on demand (only the index and the opened lesson)', async () => {
      assert(loaded, 'the page did not load');
      // The app opens the first lesson for a new student: it may fetch the course index and
      // that lesson's own files, never the other lessons.
      const lessonDirs = new Set(
        log.requests
          .map((u) => new URL(u).pathname.match(/\/lessons\/([^/]+)\//))
          .filter(Boolean)
          .map((m) => m[1]),
      );
      assert(lessonDirs.size <= 1, `more than the opened lesson was downloaded: ${[...lessonDirs].join(', ')}`);
    });
    allForeign.push(...log.foreign);
    allConsoleErrors.push(...log.consoleErrors);
    await context.close();
  }

  // 2. Time to a usable terminal with 4x CPU throttling (reported).
  {
    const { context, page, log } = await openContext(browser, pageOrigin);
    try {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_THROTTLE });
      const t0 = performance.now();
      await page.goto(url, { waitUntil: 'load', timeout: READY_TIMEOUT_MS * CPU_THROTTLE });
      const inPage = await page.waitForSelector('#term-input:not([disabled])', { state: 'attached', timeout: READY_TIMEOUT_MS * CPU_THROTTLE })
        .then(() => page.evaluate(() => window.__kubesimReadyAt ?? performance.now()));
      metric(`time to usable terminal, ${CPU_THROTTLE}x CPU throttling`, `${fmt(inPage)} (target <= 1000 ms; ${fmt(performance.now() - t0)} wall clock from goto)`);
    } catch (err) {
      metric(`time to usable terminal, ${CPU_THROTTLE}x CPU throttling`, `not measured: ${err.message}`);
    }
    allForeign.push(...log.foreign);
    allConsoleErrors.push(...log.consoleErrors);
    await context.close();
  }

  // 3. Enter -> output painted for `kubectl get pods`, p50/p95 (reported).
  {
    const { context, page, log } = await openContext(browser, pageOrigin);
    try {
      await page.goto(url, { waitUntil: 'load', timeout: READY_TIMEOUT_MS });
      await waitReady(page);
      const runs = [];
      for (let i = 0; i < LATENCY_RUNS; i++) {
        runs.push(await measureLatency(page, 'kubectl get pods', /NAME|No resources found/));
      }
      const dom = runs.map((r) => r.dom);
      const frame = runs.map((r) => r.frame);
      metric('Enter -> output painted, "kubectl get pods"',
        `p50 ${fmt(percentile(frame, 50))}, p95 ${fmt(percentile(frame, 95))} to next frame ` +
        `(to DOM: p50 ${fmt(percentile(dom, 50))}, p95 ${fmt(percentile(dom, 95))}), ${runs.length} runs (target p95 <= 16 ms)`);
    } catch (err) {
      metric('Enter -> output painted, "kubectl get pods"', `not measured: ${err.message}`);
    }
    allForeign.push(...log.foreign);
    allConsoleErrors.push(...log.consoleErrors);
    await context.close();
  }

  // 4. Cluster view frames per second, 100 nodes / 3,000 pods, simulation running (reported).
  {
    const { context, page, log } = await openContext(browser, pageOrigin);
    const benchUrl = new URL(url);
    benchUrl.searchParams.set('bench', BENCH_WORLD);
    try {
      await page.goto(benchUrl.href, { waitUntil: 'load', timeout: READY_TIMEOUT_MS });
      const hooked = await page
        .waitForFunction(() => document.documentElement.dataset.bench === 'ready', null, { timeout: 15000 })
        .then(() => true, () => false);
      if (!hooked) {
        metric(`cluster view fps (${BENCH_WORLD})`, 'n/a (the UI has no ?bench= hook yet: see tests/e2e/perf.mjs header)');
      } else {
        // Frames counted with requestAnimationFrame while the simulation ticks; long tasks
        // (> 50 ms on the main thread: a tick or a render too slow for a frame) beside them.
        // Twice: right away, while the kubelets start the 3,000 pods (the simulation's burst),
        // then once the pods run (simulated clock past SETTLED_SIM_S): the view's steady state.
        const measure = () => page.evaluate((seconds) => new Promise((resolve) => {
          let frames = 0;
          let worst = 0;
          const long = [];
          const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(e.duration); });
          try { observer.observe({ entryTypes: ['longtask'] }); } catch { /* not supported */ }
          const clock0 = document.querySelector('.clock')?.innerText;
          let last = performance.now();
          const start = last;
          const tick = (now) => {
            frames += 1;
            worst = Math.max(worst, now - last);
            last = now;
            if (now - start < seconds * 1000) requestAnimationFrame(tick);
            else {
              observer.disconnect();
              resolve({ fps: frames / ((now - start) / 1000), worst, long, clock0, clock1: document.querySelector('.clock')?.innerText });
            }
          };
          requestAnimationFrame(tick);
        }), FPS_SECONDS);
        const report = (what, fps) => {
          const longMs = fps.long.reduce((a, b) => a + b, 0);
          metric(`cluster view fps (${BENCH_WORLD}), ${what}`, `${fps.fps.toFixed(1)} fps over ${FPS_SECONDS} s, longest frame ${fmt(fps.worst)}, ` +
            `${fps.long.length} long tasks (${fmt(longMs)}), simulated clock ${fps.clock0} -> ${fps.clock1} (target 60 fps)`);
        };
        report('while the 3,000 pods start', await measure());
        const settled = await page
          .waitForFunction((s) => {
            const [h, m, sec] = (document.querySelector('.clock')?.innerText ?? '0:0:0').split(':').map(Number);
            return h * 3600 + m * 60 + sec >= s;
          }, SETTLED_SIM_S, { timeout: 60000, polling: 500 })
          .then(() => true, () => false);
        if (settled) report('pods running (steady state)', await measure());
        else metric(`cluster view fps (${BENCH_WORLD}), pods running (steady state)`, `not measured: the simulated clock did not reach ${SETTLED_SIM_S} s within 60 s`);
      }
    } catch (err) {
      metric(`cluster view fps (${BENCH_WORLD})`, `not measured: ${err.message}`);
    }
    allForeign.push(...log.foreign);
    allConsoleErrors.push(...log.consoleErrors);
    await context.close();
  }

  await test('no request to another origin (all perf pages)', async () => {
    assert(allForeign.length === 0, allForeign.map((u) => `request to another origin: ${u}`).join('\n'));
  });
  await test('no console errors (all perf pages)', async () => {
    assert(allConsoleErrors.length === 0, allConsoleErrors.join('\n'));
  });
}

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  let server = null;
  let url = process.env.E2E_URL;
  if (!url) {
    if (!existsSync(join(DIST_DIR, 'index.html'))) {
      console.error(`e2e perf: ${DIST_DIR}/index.html not found: run "bash .ci/build" first`);
      console.log('e2e: 0 passed, 1 failed');
      return 1;
    }
    server = await startServer(DIST_DIR, { base: '/' });
    url = server.url;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  console.log(`e2e perf: ${url} in ${CHROMIUM} ${browser.version()}`);
  try {
    await suite(browser, url);
  } finally {
    await browser.close();
    if (server) await server.close();
  }
  writeFileSync(join(OUT_DIR, 'perf.json'), JSON.stringify({ results, metrics }, null, 2));
  return summary();
}

runMain(main);
