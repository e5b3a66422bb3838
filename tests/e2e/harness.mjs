// What every e2e runner shares (run.mjs, perf.mjs, ui.mjs): paths, the Chromium launch
// flags, loading playwright-core from target/tools, and a tiny TAP-like runner (sequential,
// failures don't stop the run; `results`/`metrics` collect what it printed).
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const TOOLS_DIR = process.env.KUBESIM_TOOLS_DIR ?? join(ROOT, 'target', 'tools');
export const DIST_DIR = process.env.E2E_DIST ?? join(ROOT, 'dist');
export const OUT_DIR = join(ROOT, 'target', 'e2e');
export const CHROMIUM = process.env.KUBESIM_CHROMIUM ?? '/usr/bin/chromium';
// Startup includes downloading and compiling the wasm: generous on a busy CI box.
export const READY_TIMEOUT_MS = Number(process.env.E2E_READY_TIMEOUT_MS ?? 30000);

// Flags for running as root on a machine whose network only reaches package
// registries: without the background-networking ones Chromium keeps trying
// (and failing) to reach Google's services. Playwright adds --headless and a
// fresh temporary --user-data-dir for every launch.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// playwright-core lives in target/tools/node_modules (see .ci/setup), not in a
// node_modules next to the tests, so resolve it from there.
export function loadChromium(label = 'e2e') {
  try {
    return createRequire(join(TOOLS_DIR, 'package.json'))('playwright-core').chromium;
  } catch (err) {
    console.error(`${label}: playwright-core not found in ${TOOLS_DIR}: run "bash .ci/setup --browser"\n${err.message}`);
    console.log('e2e: 0 passed, 1 failed');
    process.exit(1);
  }
}

export const results = [];
export const metrics = [];

export async function test(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok ${results.length} - ${name} (${Math.round(performance.now() - t0)} ms)`);
  } catch (err) {
    results.push({ name, ok: false, error: String(err?.stack ?? err) });
    console.log(`not ok ${results.length} - ${name}`);
    console.log(String(err?.message ?? err).replace(/^/gm, '  # '));
  }
}

export function metric(name, value) {
  metrics.push({ name, value });
  console.log(`metric: ${name}: ${value}`);
}

/// The runner's last line, which .ci/test sums ("e2e: N passed, M failed"), and its exit code.
export function summary() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

/// Runs a runner's `main` (resolving to an exit code); a crash counts as one failed test.
export function runMain(main) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      console.log('e2e: 0 passed, 1 failed');
      process.exit(1);
    },
  );
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}
