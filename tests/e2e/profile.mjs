// Where the main thread's time goes in the cluster view with 100 nodes / 3,000 pods
// (`?bench=100x3000`): a Chromium CPU profile of the first seconds (the pods starting) and
// the long tasks (> 50 ms) beside it. A tool for BENCHMARKS.md, not a test.
//
//   node tests/e2e/profile.mjs                      # dist/ (the shipped build: no names)
//   E2E_DIST=/tmp/dist-prof node tests/e2e/profile.mjs
//
// Function names need a build that keeps them: opt-level 3 without wasm-opt, e.g.
//   sed -i 's/data-wasm-opt="s" data-wasm-opt-params="--converge"/data-wasm-opt="0"/' index.html
//   CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_OPT_LEVEL=3 \
//     trunk build --release --public-url ./ --dist /tmp/dist-prof   # then restore index.html
// PROFILE_SECONDS (default 5) and PROFILE_SKIP_S (simulated seconds to wait first, default 0).
import { startServer } from './server.mjs';
import { DIST_DIR, CHROMIUM, CHROMIUM_ARGS, READY_TIMEOUT_MS, loadChromium } from './harness.mjs';

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 5);
const SKIP_S = Number(process.env.PROFILE_SKIP_S ?? 0);
// Inclusive time of these (a sample counts once per group however deep the stack).
const GROUPS = [
  ['simulation (World::run_step_while)', /run_step_while|World.*step/],
  ['  kubelet (begin/node_tick/advance)', /kubelet.*(advance|node_tick|begin|sync)/],
  ['  scheduler', /scheduler.*step/],
  ['  controllers', /controllers.*step/],
  ['rendering (yew scheduler: views, DOM)', /yew::scheduler/],
  ['  cluster model (ClusterModel::build)', /ClusterModel.*build/],
  ['  lesson diagrams (diagram::pictures)', /diagram.*pictures/],
  ['  cluster view cards (NodeCardView...)', /NodeCard|PodDot|ClusterDiagram/],
  ['browser (GC, style, layout, paint)', /^\((garbage collector|program)\)$/],
];

const chromium = loadChromium('profile');
const server = await startServer(DIST_DIR);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${server.url}?bench=100x3000`, { waitUntil: 'load', timeout: READY_TIMEOUT_MS });
  await page.waitForFunction(() => document.documentElement.dataset.bench === 'ready', null, { timeout: 20000 });
  if (SKIP_S > 0) {
    await page.waitForFunction((s) => {
      const [h, m, sec] = (document.querySelector('.clock')?.innerText ?? '0:0:0').split(':').map(Number);
      return h * 3600 + m * 60 + sec >= s;
    }, SKIP_S, { timeout: 120000, polling: 200 });
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await page.evaluate(() => {
    window.__long = [];
    window.__frames = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); })
      .observe({ entryTypes: ['longtask'] });
    const f = () => { window.__frames += 1; requestAnimationFrame(f); };
    requestAnimationFrame(f);
    window.__clock0 = document.querySelector('.clock')?.innerText;
  });
  await cdp.send('Profiler.start');
  await page.waitForTimeout(SECONDS * 1000);
  const { profile } = await cdp.send('Profiler.stop');
  const seen = await page.evaluate(() => ({
    long: window.__long, frames: window.__frames, clock0: window.__clock0,
    clock1: document.querySelector('.clock')?.innerText,
    behind: document.querySelector('.behind')?.innerText ?? '',
  }));

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => n.callFrame.functionName || `(${n.callFrame.url.split('/').pop() || 'anonymous'})`;
  const dt = new Map();
  profile.samples.forEach((id, i) => dt.set(i, (profile.timeDeltas[i + 1] ?? 0) / 1000));
  // PROFILE_FOCUS=regex: also list the self time of what runs under the matching functions.
  const focus = process.env.PROFILE_FOCUS ? new RegExp(process.env.PROFILE_FOCUS) : null;
  const focusSelf = new Map();
  const self = new Map();
  const groups = new Map(GROUPS.map(([g]) => [g, 0]));
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const ms = dt.get(i);
    const n = byId.get(id);
    const nm = name(n);
    self.set(nm, (self.get(nm) ?? 0) + ms);
    if (nm !== '(idle)' && nm !== '(program)') busy += ms;
    const stack = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) stack.push(name(byId.get(cur)));
    for (const [g, re] of GROUPS) if (stack.some((s) => re.test(s))) groups.set(g, groups.get(g) + ms);
    if (focus && stack.some((s) => focus.test(s))) focusSelf.set(nm, (focusSelf.get(nm) ?? 0) + ms);
  });
  // Stretches of non-idle samples longer than 50 ms: the long tasks, and what they did.
  const stretches = [];
  let cur = null;
  profile.samples.forEach((id, i) => {
    const nm = name(byId.get(id));
    if (nm === '(idle)') {
      if (cur && cur.ms > 50) stretches.push(cur);
      cur = null;
      return;
    }
    cur ??= { ms: 0, groups: new Map() };
    const ms = dt.get(i);
    cur.ms += ms;
    const stack = [];
    for (let c = id; c !== undefined; c = parent.get(c)) stack.push(name(byId.get(c)));
    for (const [g, re] of GROUPS) if (!g.startsWith(' ') && stack.some((s) => re.test(s))) cur.groups.set(g, (cur.groups.get(g) ?? 0) + ms);
  });
  const longMs = seen.long.reduce((a, b) => a + b, 0);
  console.log(`profile: ${SECONDS} s from simulated ${seen.clock0} to ${seen.clock1} ${seen.behind}; ` +
    `${(seen.frames / SECONDS).toFixed(1)} fps; ${seen.long.length} long tasks (${longMs.toFixed(0)} ms, ` +
    `longest ${Math.max(0, ...seen.long).toFixed(0)} ms); main thread busy ${busy.toFixed(0)} ms`);
  for (const [g, ms] of groups) console.log(`  ${g.padEnd(40)} ${ms.toFixed(0).padStart(6)} ms`);
  console.log('busy stretches > 50 ms (the long tasks, roughly):');
  for (const st of stretches) {
    console.log(`  ${st.ms.toFixed(0).padStart(5)} ms: ` +
      [...st.groups].map(([g, ms]) => `${g.split(' (')[0]} ${ms.toFixed(0)}`).join(', '));
  }
  if (focus) {
    console.log(`self time under ${focus}:`);
    [...focusSelf.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)
      .forEach(([n, ms]) => console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${n.slice(0, 110)}`));
  }
  console.log('top self time:');
  [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)
    .forEach(([n, ms]) => console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${n.slice(0, 110)}`));
} finally {
  await browser.close();
  server.close?.();
}
