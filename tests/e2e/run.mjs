// End-to-end tests of the production build (dist/) in headless Chromium.
//
//   bash .ci/build && node tests/e2e/run.mjs
//   E2E_URL=http://127.0.0.1:8080/ node tests/e2e/run.mjs   # against `.ci/serve`
//
// Serves dist/ with tests/e2e/server.mjs at "/" and (on a second server, with
// nothing else) under SUB_PATH, and runs every test at both places. playwright-core drives Debian's /usr/bin/chromium
// (no browser download); `.ci/setup --browser` installs both. Prints TAP-like
// "ok"/"not ok" lines, some measurements (printed, never asserted), and ends
// with "e2e: N passed, M failed". Exit code 1 when any test failed.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, SUB_PATH } from './server.mjs';
import {
  ROOT,
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
const LATENCY_RUNS = 5;

const chromium = loadChromium('e2e');

// The runner (test, metric, assert) is tests/e2e/harness.mjs.

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => `${ms.toFixed(1)} ms`;

// ---------------------------------------------------------------------------
// Terminal helpers.

const outputText = (page) =>
  page.evaluate(() => document.querySelector('#term-output')?.innerText ?? '');

// Types a command like a person (key by key) and presses Enter. Returns the
// output text from before, so callers can look at only what is new.
async function runCommand(page, command) {
  const before = await outputText(page);
  const input = page.locator('#term-input');
  await input.fill('');
  await input.pressSequentially(command);
  await input.press('Enter');
  return before;
}

// Waits until the output that appeared after `before` matches `re`; returns it.
async function waitForNewOutput(page, before, re, what) {
  try {
    await page.waitForFunction(
      ([prev, src, flags]) => {
        const now = document.querySelector('#term-output')?.innerText ?? '';
        const fresh = now.startsWith(prev) ? now.slice(prev.length) : now;
        return new RegExp(src, flags).test(fresh);
      },
      [before, re.source, re.flags],
      { timeout: OUTPUT_TIMEOUT_MS },
    );
  } catch {
    const now = await outputText(page);
    const fresh = now.startsWith(before) ? now.slice(before.length) : now;
    throw new Error(`${what}: no output matching ${re} within ${OUTPUT_TIMEOUT_MS} ms; new #term-output text was:\n${fresh || '(nothing)'}`);
  }
  const now = await outputText(page);
  return now.startsWith(before) ? now.slice(before.length) : now;
}

// Enter -> output latency, measured inside the page: from the keydown of
// Enter to the DOM mutation that shows the result ("dom") and to the next
// animation frame after it ("frame", roughly when it is painted).
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
        document.addEventListener(
          'keydown',
          (e) => {
            if (e.key === 'Enter') t0 = performance.now();
          },
          { capture: true, once: true },
        );
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
        setTimeout(() => {
          observer.disconnect();
          reject(new Error(`no output matching ${re} within ${timeout} ms`));
        }, timeout);
      });
    },
    [expected.source, expected.flags, OUTPUT_TIMEOUT_MS],
  );
  await input.press('Enter');
  return page.evaluate(() => window.__kubesimLatency);
}

// Recorded by an init script, before any page script runs: the moment
// (ms since navigation start) #term-input exists without `disabled`.
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

// ---------------------------------------------------------------------------
// The suite, run once per URL the app is served at.

async function suite(browser, url, label, screenshotPath) {
  const pageOrigin = new URL(url).origin;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  await page.addInitScript(recordReadyTime);

  // Record everything; anything for another origin is recorded, then aborted
  // (the course must work offline from its own files; this machine has no
  // internet anyway, and a hanging request would only slow the test down).
  const requests = [];
  const foreign = [];
  const badResponses = [];
  const consoleErrors = [];
  await context.route('**/*', (route) => {
    const reqUrl = route.request().url();
    requests.push(reqUrl);
    if (new URL(reqUrl).origin === pageOrigin || reqUrl.startsWith('data:') || reqUrl.startsWith('blob:')) {
      return route.continue();
    }
    foreign.push(reqUrl);
    return route.abort('blockedbyclient');
  });
  // Rejected as soon as the app clearly cannot start (see the first test).
  const fatal = {};
  fatal.promise = new Promise((_, reject) => (fatal.reject = reject));
  fatal.promise.catch(() => {}); // only observed while waiting for startup
  page.on('response', (res) => {
    // Browsers ask for /favicon.ico by themselves; a missing one is harmless.
    if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) {
      badResponses.push(`${res.status()} ${res.url()}`);
      if (/\.(js|wasm)$/.test(new URL(res.url()).pathname)) {
        fatal.reject(new Error(`the app's code did not load: ${res.status()} ${res.url()}`));
      }
    }
  });
  page.on('requestfailed', (req) => {
    if (!foreign.includes(req.url())) badResponses.push(`failed (${req.failure()?.errorText}) ${req.url()}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => {
    consoleErrors.push(`uncaught: ${err.message}`);
    fatal.reject(new Error(`uncaught error in the page: ${err.message}`));
  });

  let ready = false;
  await test(`${label} page loads and #term-input becomes enabled`, async () => {
    const t0 = performance.now();
    const response = await page.goto(url, { waitUntil: 'load', timeout: READY_TIMEOUT_MS });
    assert(response?.ok(), `GET ${url} answered ${response?.status()}`);
    // Fail fast (instead of after READY_TIMEOUT_MS) when the app cannot start:
    // an uncaught error, or its script/wasm not loading.
    await Promise.race([
      page.waitForSelector('#term-input:not([disabled])', { state: 'attached', timeout: READY_TIMEOUT_MS }),
      fatal.promise,
    ]);
    const wall = performance.now() - t0;
    const inPage = await page.evaluate(() => window.__kubesimReadyAt ?? performance.now());
    metric(`${label} navigation -> #term-input enabled`, `${fmt(inPage)} (in page; ${fmt(wall)} wall clock from goto)`);
    ready = true;
  });

  if (ready) {
    await test(`${label} layout has #lesson-pane, #terminal-pane, #cluster-pane`, async () => {
      for (const id of ['lesson-pane', 'terminal-pane', 'cluster-pane']) {
        const n = await page.locator(`#${id}`).count();
        assert(n === 1, `expected one #${id}, found ${n}`);
      }
    });

    await test(`${label} terminal prompt is <input id="term-input">`, async () => {
      const tag = await page.locator('#term-input').evaluate((el) => el.tagName);
      assert(tag === 'INPUT', `#term-input is a <${tag.toLowerCase()}>, expected <input>`);
      assert((await page.locator('#term-output').count()) === 1, 'expected one #term-output');
    });

    await test(`${label} "kubectl get nodes" prints a node table`, async () => {
      const before = await runCommand(page, 'kubectl get nodes');
      const header = /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/m;
      const fresh = await waitForNewOutput(page, before, header, 'kubectl get nodes');
      const lines = fresh.split('\n');
      const at = lines.findIndex((l) => header.test(l));
      const rows = lines.slice(at + 1).filter((l) => /\bReady\b/.test(l));
      assert(rows.length > 0, `no node line with "Ready" after the header:\n${fresh}`);
    });

    await test(`${label} unknown command "foo" -> bash: foo: command not found`, async () => {
      const before = await runCommand(page, 'foo');
      await waitForNewOutput(page, before, /bash: foo: command not found/, 'foo');
    });

    await test(`${label} "help" lists commands (mentions kubectl)`, async () => {
      const before = await runCommand(page, 'help');
      await waitForNewOutput(page, before, /kubectl/, 'help');
    });

    // Code split off the first download (.ci/wasm-split.mjs, src/term/deferred.rs).
    await test(`${label} deferred code: "kind get clusters" and "kubectl describe node" answer`, async () => {
      let before = await runCommand(page, 'kind get clusters');
      await waitForNewOutput(page, before, /^kind$/m, 'kind get clusters');
      before = await runCommand(page, 'kubectl describe node kind-control-plane');
      await waitForNewOutput(page, before, /^Name:\s+kind-control-plane$/m, 'kubectl describe node');
    });

    await test(`${label} screenshot -> ${screenshotPath.slice(ROOT.length + 1)}`, async () => {
      await page.screenshot({ path: screenshotPath, fullPage: true });
    });

    // Measured and printed, never asserted: a slow CI box must not fail here.
    try {
      const runs = [];
      for (let i = 0; i < LATENCY_RUNS; i++) {
        runs.push(await measureLatency(page, 'kubectl get pods', /NAME|No resources found/));
      }
      const dom = runs.map((r) => r.dom);
      const frame = runs.map((r) => r.frame);
      metric(
        `${label} Enter -> output of "kubectl get pods"`,
        `median ${fmt(median(dom))} (min ${fmt(Math.min(...dom))}, max ${fmt(Math.max(...dom))}) to DOM, ` +
          `median ${fmt(median(frame))} to next frame, ${runs.length} runs`,
      );
    } catch (err) {
      metric(`${label} Enter -> output of "kubectl get pods"`, `not measured: ${err.message}`);
    }
  }

  // Checked last so it covers everything the page did during the tests.
  await test(`${label} no console errors, no failed requests, no request to another origin`, async () => {
    const problems = [
      ...consoleErrors,
      ...foreign.map((u) => `request to another origin: ${u}`),
      ...badResponses.map((r) => `bad response: ${r}`),
    ];
    assert(problems.length === 0, problems.join('\n'));
    assert(requests.length > 0, 'no requests recorded at all');
  });

  await context.close();
}

// The module split off the first download (.ci/wasm-split.mjs): fetched after the terminal
// is usable; a command that needs it before it arrives waits for it (slow network), and
// when it cannot be downloaded the terminal says so instead of crashing.
const SPLIT_MODULE = /_module_\d+_\w+\.wasm$/;

async function splitSuite(browser, pageUrl) {
  // A sandbox (no lesson opens: a lesson starting mid-test would replace the terminal).
  const url = new URL('?preset=kind&seed=1', pageUrl).href;
  // 1. The module answers 2.5 s late: typed right away, the commands wait, then run.
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    await page.addInitScript(recordReadyTime);
    const errors = [];
    page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(`console.error: ${msg.text()}`));
    let moduleRequestedAt = null;
    await context.route(SPLIT_MODULE, async (route) => {
      moduleRequestedAt ??= await page.evaluate(() => performance.now()).catch(() => null);
      await new Promise((r) => setTimeout(r, 2500));
      await route.continue();
    });
    await test('[split] slow module: commands typed before it arrives wait for it, in order', async () => {
      await page.goto(url, { waitUntil: 'load', timeout: READY_TIMEOUT_MS });
      await page.waitForSelector('#term-input:not([disabled])', { state: 'attached', timeout: READY_TIMEOUT_MS });
      const readyAt = await page.evaluate(() => window.__kubesimReadyAt ?? performance.now());
      const before = await runCommand(page, 'kind get clusters');
      await runCommand(page, 'echo after-kind');
      const fresh = await waitForNewOutput(page, before, /^after-kind$/m, 'kind get clusters, then echo');
      const kindAt = fresh.search(/^kind$/m);
      assert(kindAt >= 0, `"kind get clusters" did not print "kind":\n${fresh}`);
      assert(kindAt < fresh.search(/^after-kind$/m), `out of order:\n${fresh}`);
      assert(!/still downloading/.test(fresh), `printed the not-loaded message:\n${fresh}`);
      assert(moduleRequestedAt !== null, 'the split module was never requested');
      metric('[split] split module requested at', `${fmt(moduleRequestedAt)} (terminal usable at ${fmt(readyAt)})`);
      assert(errors.length === 0, errors.join('\n'));
    });
    await context.close();
  }
  // 2. The module cannot be downloaded: the command says so, the app keeps running.
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    const uncaught = [];
    page.on('pageerror', (err) => uncaught.push(err.message));
    await context.route(SPLIT_MODULE, (route) => route.abort('failed'));
    await test('[split] module unreachable: the terminal answers, no crash', async () => {
      await page.goto(url, { waitUntil: 'load', timeout: READY_TIMEOUT_MS });
      await page.waitForSelector('#term-input:not([disabled])', { state: 'attached', timeout: READY_TIMEOUT_MS });
      let before = await runCommand(page, 'kubeadm version');
      await waitForNewOutput(page, before, /still downloading/, 'kubeadm version without its module');
      before = await runCommand(page, 'kubectl get nodes');
      await waitForNewOutput(page, before, /^NAME\s+STATUS/m, 'kubectl get nodes after the failed download');
      assert(uncaught.length === 0, uncaught.join('\n'));
    });
    await context.close();
  }
}

// ---------------------------------------------------------------------------

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  const servers = [];
  let targets;
  if (process.env.E2E_URL) {
    targets = [{ url: process.env.E2E_URL, label: '[E2E_URL]', shot: join(OUT_DIR, 'screenshot.png') }];
  } else {
    if (!existsSync(join(DIST_DIR, 'index.html'))) {
      console.error(`e2e: ${DIST_DIR}/index.html not found: run "bash .ci/build" first`);
      console.log('e2e: 0 passed, 1 failed');
      return 1;
    }
    // Two servers: the sub-path one serves nothing outside SUB_PATH, so an
    // absolute asset URL (public_url "/") fails there as it would on a host.
    servers.push(await startServer(DIST_DIR, { base: '/' }));
    servers.push(await startServer(DIST_DIR, { base: SUB_PATH }));
    console.log(`e2e: serving ${DIST_DIR} at ${servers[0].url} and ${servers[1].url}`);
    targets = [
      { url: servers[0].url, label: '[/]', shot: join(OUT_DIR, 'screenshot.png') },
      { url: servers[1].url, label: `[${SUB_PATH}]`, shot: join(OUT_DIR, 'screenshot-subpath.png') },
    ];
  }

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  console.log(`e2e: ${CHROMIUM} ${browser.version()}`);
  try {
    for (const t of targets) await suite(browser, t.url, t.label, t.shot);
    await splitSuite(browser, targets[0].url);
  } finally {
    await browser.close();
    for (const server of servers) await server.close();
  }

  writeFileSync(join(OUT_DIR, 'results.json'), JSON.stringify({ results, metrics }, null, 2));
  return summary();
}

runMain(main);
