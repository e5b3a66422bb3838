// End-to-end tests of the web app's features (student path, trainer path with a fault and
// its recovery, lesson and URL demos, details panel, projector sizes, editor, completion,
// import/export, corrupted storage, language switch, URL parameters, CSP) on the
// production build (dist/) in headless Chromium, plus a screenshot of each main screen in
// target/e2e/ui-*.png and a measurement of the cluster view with 100 nodes and 3,000 pods.
//
//   bash .ci/build && node tests/e2e/ui.mjs
//
// Same conventions as run.mjs: TAP-like "ok"/"not ok" lines, "metric:" lines (printed,
// never asserted), and a final "e2e: N passed, M failed"; exit code 1 on any failure.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './server.mjs';
import {
  DIST_DIR,
  OUT_DIR,
  CHROMIUM,
  READY_TIMEOUT_MS,
  CHROMIUM_ARGS,
  loadChromium,
  results,
  test,
  metric,
  assert,
  runMain,
  summary,
} from './harness.mjs';

const chromium = loadChromium('e2e ui');

const output = (page) => page.evaluate(() => document.querySelector('#term-output')?.innerText ?? '');
async function type(page, command) {
  const input = page.locator('#term-input');
  await input.fill('');
  await input.pressSequentially(command);
  await input.press('Enter');
}
async function waitOutput(page, re, what) {
  try {
    await page.waitForFunction(
      ([src, flags]) => new RegExp(src, flags).test(document.querySelector('#term-output')?.innerText ?? ''),
      [re.source, re.flags], { timeout: 10000 });
  } catch {
    throw new Error(`${what}: #term-output never matched ${re}; it was:\n${(await output(page)).slice(-1500)}`);
  }
}

// A fresh page; `storage` pre-fills localStorage before the app starts.
async function open(browser, url, { storage = null, viewport = { width: 1366, height: 768 }, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, acceptDownloads: true });
  const origin = new URL(url).origin;
  const problems = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (new URL(u).origin === origin || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    problems.push(`request to another origin: ${u}`);
    return route.abort('blockedbyclient');
  });
  if (storage) {
    await context.addInitScript((entries) => {
      if (sessionStorage.getItem('__seeded')) return;
      sessionStorage.setItem('__seeded', '1');
      for (const [k, v] of entries) localStorage.setItem(k, v);
    }, Object.entries(storage));
  }
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`); });
  await page.goto(url, { waitUntil: 'load', timeout: READY_TIMEOUT_MS });
  await page.waitForSelector('#term-input:not([disabled])', { state: 'attached', timeout: READY_TIMEOUT_MS });
  return { page, context, problems };
}

const shot = (page, name) => page.screenshot({ path: join(OUT_DIR, `ui-${name}.png`) });
const tab = (page, n) => page.locator('.tabs[role=tablist] .tab').nth(n).click();

async function suite(browser, base) {
  await test('student path: run a lesson step, see it checked, reload, progress kept', async () => {
    const { page, context, problems } = await open(browser, base);
    await page.waitForSelector('#lesson-pane h1', { timeout: 10000 }); // fetched from lessons/
    await page.waitForSelector('#lesson-pane .course-index');
    assert(await page.locator('.step-dot.done').count() === 0, 'a step is done before anything was typed');
    await shot(page, 'student');
    await page.locator('#lesson-pane button.run').first().click();
    await waitOutput(page, /NAME\s+STATUS\s+ROLES/, 'Run button');
    await page.waitForSelector('.step-dot.done', { timeout: 5000 });
    await page.waitForSelector('.step.just-done .check-mark', { timeout: 5000 });
    await shot(page, 'step-checked');
    await page.locator('.step-nav button.primary').click();
    // Step 2 is a quiz: a wrong answer first, then the right one.
    const quiz = page.locator('#lesson-pane .quiz').first();
    await quiz.locator('input').nth(0).check();
    await quiz.locator('button').click();
    await page.waitForSelector('.quiz-result.wrong');
    await quiz.locator('input').nth(1).check();
    await quiz.locator('button').click();
    await page.waitForFunction(() => document.querySelectorAll('.step-dot.done').length >= 2, null, { timeout: 5000 });
    await shot(page, 'student-progress');
    await page.waitForTimeout(3500); // the session is saved every few seconds and on commands
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('#term-input:not([disabled])', { state: 'attached' });
    await page.waitForSelector('#lesson-pane h1', { timeout: 10000 });
    await page.waitForFunction(() => document.querySelectorAll('.step-dot.done').length >= 2, null, { timeout: 5000 }).catch(() => {});
    const done = await page.locator('.step-dot.done').count();
    assert(done >= 2, `after reload ${done} steps are done, expected 2`);
    // The replayed session still knows the history (↑ brings the last command back).
    await page.locator('#term-input').press('ArrowUp');
    const v = await page.locator('#term-input').inputValue();
    assert(v === 'kubectl get nodes', `↑ after reload gave ${JSON.stringify(v)}`);
    assert(problems.length === 0, problems.join('\n'));
    await context.close();
  });

  await test('trainer path: pause, inject a fault, step, repair, watch it recover', async () => {
    const { page, context, problems } = await open(browser, `${base}?preset=kind&seed=7`);
    await page.locator('.sim-controls .play').click(); // pause
    const t1 = await page.locator('.clock').innerText();
    await page.waitForTimeout(600);
    assert((await page.locator('.clock').innerText()) === t1, 'the clock moved while paused');
    await tab(page, 2); // Faults
    await page.locator('[data-fault="kube-scheduler"] button').click();
    await page.waitForSelector('[data-fault="kube-scheduler"].down');
    await page.locator('[data-fault="kubelet/kind-worker"] button').click();
    await shot(page, 'faults');
    await tab(page, 0);
    const down = await page.locator('.component.down').count();
    assert(down >= 2, `expected the stopped scheduler and kubelet marked, found ${down}`);
    // With the scheduler stopped, a Deployment's pods are created but wait, unscheduled.
    await type(page, 'kubectl create deployment web --image=nginx --replicas=2');
    await waitOutput(page, /deployment.apps\/web created/, 'create deployment');
    await tab(page, 1); // control loop
    await page.locator('.sim-controls .step').click();
    await page.waitForSelector('.flow-log li', { timeout: 5000 });
    const log = await page.locator('.flow-log').innerText();
    assert(/kubectl/.test(log), `the control-loop log does not explain the kubectl request:\n${log}`);
    assert(await page.locator('.lane.down').count() >= 2, 'stopped components are not marked in the diagram');
    // Single steps reveal the controllers' work one request at a time. The log shows the
    // newest entries first and at most 120 of them, so compare the newest one's sequence
    // number, not the count (a log already full would never grow).
    const newest = () => page.evaluate(() => Number(document.querySelector('.flow-log li')?.dataset.seq ?? -1));
    const before = await newest();
    for (let i = 0; i < 4; i++) await page.locator('.sim-controls .step').click();
    await page.waitForFunction((n) => Number(document.querySelector('.flow-log li')?.dataset.seq ?? -1) > n, before, { timeout: 15000 });
    await shot(page, 'control-loop');
    await page.locator('.sim-controls .stable').click();
    await tab(page, 0);
    await page.waitForFunction(() => document.querySelectorAll('.pending-pods .pod').length === 2, null, { timeout: 10000 });
    // Repair from the component itself (click → details → Start) and from the fault panel,
    // then run until stable: the pods get a node and run.
    await page.locator('.component.down', { hasText: 'kube-scheduler' }).first().click();
    await page.locator('.details .component-details button').click();
    await tab(page, 2);
    await page.locator('[data-fault="kubelet/kind-worker"] button').click();
    await page.locator('.sim-controls .stable').click();
    await tab(page, 0);
    await page.waitForFunction(() => document.querySelectorAll('.component.down').length === 0, null, { timeout: 15000 });
    await page.waitForFunction(() => [...document.querySelectorAll('.node .pod.ph-running')]
      .filter((p) => /default\/web-/.test(p.getAttribute('aria-label') ?? '')).length === 2, null, { timeout: 10000 });
    assert(await page.locator('.pending-pods').count() === 0, 'pods still wait for a node after the repair');
    await shot(page, 'recovered');
    assert(problems.length === 0, problems.join('\n'));
    await context.close();
  });

  await test('lesson demo: play it from the top bar, hold at a trainer pause, continue, stop', async () => {
    const { page, context, problems } = await open(browser, `${base}?lesson=05-control-loops&lang=en`);
    await page.waitForSelector('#lesson-pane h1', { timeout: 10000 });
    await page.locator('.tools .demo-play').click();
    await page.waitForSelector('.demo-bar .demo-caption');
    assert(/desired state/.test(await page.locator('.demo-caption').innerText()), 'no caption from the demo');
    await waitOutput(page, /We declare the desired state/, 'the caption as a terminal note');
    await waitOutput(page, /deployment.apps\/web created/, 'the first demo command');
    await page.waitForSelector('.demo-bar.held', { timeout: 20000 }); // `pause: trainer`
    await waitOutput(page, /\nweb-[a-z0-9]+-[a-z0-9]+\s+\d\/1\s+\w+/, 'pods listed before the pause');
    await shot(page, 'demo');
    const at = await page.locator('.demo-progress').innerText();
    await page.keyboard.press('Alt+KeyC'); // Continue, as a presenter would without the mouse
    await page.waitForFunction((t) => document.querySelector('.demo-progress')?.innerText !== t, at);
    await page.waitForSelector('.demo-bar:not(.held)');
    await waitOutput(page, /We delete every pod/, 'the next caption');
    await page.locator('.demo-bar .demo-stop').click();
    await page.waitForSelector('.demo-bar', { state: 'detached' });
    await page.waitForSelector('.tools .demo-play');
    // A URL demo can fault components too: `stop:` then a trainer pause.
    const p2 = await open(browser, `${base}?preset=kind&seed=2&lang=en&demo=${encodeURIComponent('say:Watch the scheduler;;stop:kube-scheduler;;pause')}`);
    await p2.page.waitForSelector('.demo-bar.held', { timeout: 10000 });
    await p2.page.waitForSelector('.component.down:has-text("kube-scheduler")');
    assert(/Watch the scheduler/.test(await p2.page.locator('.demo-caption').innerText()), 'URL caption not shown');
    assert(problems.length + p2.problems.length === 0, [...problems, ...p2.problems].join('\n'));
    await p2.context.close();
    await context.close();
  });

  await test('details panel: YAML and describe of a clicked pod, scheduler table', async () => {
    const { page, context, problems } = await open(browser, `${base}?preset=kind&seed=4&cmds=${encodeURIComponent('kubectl run web --image=nginx')}`);
    await page.locator('.sim-controls .stable').click();
    await page.waitForSelector('.node .pod.ph-running[aria-label^="default/web"]', { timeout: 10000 });
    await page.locator('.node .pod[aria-label^="default/web"]').click();
    await page.waitForSelector('.details .details-text .y-key');
    assert(/name: web/.test(await page.locator('.details .details-text').innerText()), 'no YAML of the pod');
    await page.waitForSelector('.details table.sched');
    await shot(page, 'details');
    await page.locator('.details .tabs .tab').nth(1).click();
    await page.waitForFunction(() => /Node:\s+kind-worker/.test(document.querySelector('.details .details-text')?.innerText ?? ''));
    assert(problems.length === 0, problems.join('\n'));
    await context.close();
  });

  await test('projector: presenter mode at 1920x1080 and 1280x720 keeps every pane usable', async () => {
    for (const viewport of [{ width: 1920, height: 1080 }, { width: 1280, height: 720 }]) {
      const { page, context, problems } = await open(browser,
        `${base}?lesson=05-control-loops&lang=en&presenter=1&cmds=${encodeURIComponent('kubectl create deployment web --image=nginx --replicas=3')}`, { viewport });
      await page.waitForSelector('#lesson-pane h1', { timeout: 10000 });
      await page.locator('.sim-controls .stable').click();
      await page.waitForSelector('.flow-log li');
      // No horizontal scrollbar on the page, the top bar on one or two rows, the prompt visible.
      const layout = await page.evaluate(() => ({
        scrollW: document.documentElement.scrollWidth,
        innerW: window.innerWidth,
        bar: document.querySelector('.topbar').getBoundingClientRect().height,
        prompt: document.querySelector('#term-input').getBoundingClientRect(),
      }));
      assert(layout.scrollW <= layout.innerW, `page scrolls sideways: ${layout.scrollW} > ${layout.innerW}`);
      assert(layout.bar < 130, `top bar ${layout.bar}px high`);
      assert(layout.prompt.bottom <= viewport.height && layout.prompt.width > 100, `prompt not usable: ${JSON.stringify(layout.prompt)}`);
      await shot(page, `projector-${viewport.width}`);
      assert(problems.length === 0, problems.join('\n'));
      await context.close();
    }
  });

  await test('terminal: Tab completion, continuation prompt, Ctrl+C, Ctrl+L, history, editor', async () => {
    const { page, context, problems } = await open(browser, `${base}?preset=kind&seed=3`);
    const input = page.locator('#term-input');
    await input.fill('kubectl desc');
    await input.press('Tab');
    assert((await input.inputValue()) === 'kubectl describe ', `Tab gave ${JSON.stringify(await input.inputValue())}`);
    await type(page, "echo 'one");
    assert((await page.locator('.term-prompt .prompt').innerText()).trim() === '>', 'no continuation prompt');
    await type(page, "two'");
    await waitOutput(page, /\none\ntwo\n/, 'continued echo');
    await type(page, "echo 'never");
    await input.press('Control+c');
    await waitOutput(page, /\^C/, 'Ctrl+C');
    assert((await page.locator('.term-prompt .prompt').innerText()).startsWith('student@'), 'prompt not back after Ctrl+C');
    // A stream: `kubectl get pods -w` keeps the prompt away until Ctrl+C.
    await type(page, 'kubectl get pods -w -A');
    await page.waitForFunction(() => document.querySelector('.term-prompt .prompt')?.innerText.trim() === '');
    await input.press('Control+c');
    await page.waitForFunction(() => document.querySelector('.term-prompt .prompt')?.innerText.startsWith('student@'));
    await type(page, 'foo');
    await page.waitForSelector('#term-output .line.err');
    await input.press('Control+l');
    await page.waitForFunction(() => document.querySelectorAll('#term-output .line').length === 0);
    // Editor: nano opens the panel, Ctrl+S writes the virtual file.
    await type(page, 'nano pod.yaml');
    await page.waitForSelector('.editor textarea');
    await page.locator('.editor textarea').fill('apiVersion: v1\nkind: Pod\nmetadata:\n  name: web # the name\n');
    await page.waitForSelector('.editor .y-key');
    await page.waitForSelector('.editor .y-comment');
    await shot(page, 'editor');
    await page.locator('.editor textarea').press('Control+s');
    await page.waitForSelector('.editor', { state: 'detached' });
    await type(page, 'vi pod.yaml');
    await page.waitForSelector('.editor textarea');
    const text = await page.locator('.editor textarea').inputValue();
    assert(text.includes('name: web # the name'), `file not saved: ${text}`);
    await page.locator('.editor textarea').press('Escape');
    await page.waitForSelector('.editor', { state: 'detached' });
    assert(problems.length === 0, problems.join('\n'));
    await context.close();
  });

  await test('export then import a session file; undo from the timeline', async () => {
    const { page, context, problems } = await open(browser, `${base}?preset=kind&seed=11`);
    await type(page, 'export GREETING=bonjour');
    await type(page, 'echo $GREETING');
    await waitOutput(page, /bonjour/, 'echo');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.tools button', { hasText: /Exporter|Export/ }).click()]);
    const file = join(OUT_DIR, 'session.txt');
    await download.saveAs(file);
    const saved = readFileSync(file, 'utf8');
    assert(saved.startsWith('kubesim-session 1\n') && saved.includes('cmd ') && saved.includes('GREETING'), `bad export:\n${saved}`);
    // Undo the echo from the timeline tab.
    await tab(page, 3);
    await shot(page, 'timeline');
    await page.locator('.timeline-actions button').first().click();
    await waitOutput(page, /⟲/, 'undo note');
    // Import into a fresh page.
    const fresh = await open(browser, `${base}?preset=kind&seed=99`);
    await fresh.page.locator('#import-file').setInputFiles(file);
    await fresh.page.waitForSelector('.notice');
    await fresh.page.locator('#term-input').press('ArrowUp');
    const v = await fresh.page.locator('#term-input').inputValue();
    assert(v === 'echo $GREETING', `imported history's last command is ${JSON.stringify(v)}`);
    assert((await fresh.page.locator('.seed').innerText()).includes('11'), 'imported seed not shown');
    // A broken file is refused with a notice, the session stays.
    const bad = join(OUT_DIR, 'bad-session.txt');
    writeFileSync(bad, 'this is not a session');
    await fresh.page.locator('#import-file').setInputFiles(bad);
    await fresh.page.waitForFunction(() => /illisible|Unreadable/.test(document.querySelector('.notice')?.innerText ?? ''));
    assert(problems.length + fresh.problems.length === 0, [...problems, ...fresh.problems].join('\n'));
    await fresh.context.close();
    await context.close();
  });

  await test('corrupted and old-version saved state: notice, clean start, old blob exportable', async () => {
    for (const blob of ['garbage{{{', 'kubesim-session 0\nseed 1\npreset kind\n']) {
      const { page, context, problems } = await open(browser, base, { storage: { 'kubesim.session': blob } });
      await page.waitForSelector('.notice');
      assert(await page.locator('.notice button', { hasText: /ancienne|old/ }).count() === 1, 'no export button for the old blob');
      await type(page, 'kubectl get nodes');
      await waitOutput(page, /kind-worker/, 'terminal after corrupted storage');
      const kept = await page.evaluate(() => localStorage.getItem('kubesim.session.unreadable'));
      assert(kept === blob, 'the unreadable blob was not kept');
      if (blob.startsWith('garbage')) await shot(page, 'corrupted');
      assert(problems.length === 0, problems.join('\n'));
      await context.close();
    }
  });

  await test('language switch and URL parameters (lang, cmds, presenter, dark theme)', async () => {
    const { page, context, problems } = await open(browser, base);
    await page.waitForSelector('#lesson-pane h1', { timeout: 10000 });
    const fr = await page.locator('#lesson-pane h1').innerText();
    await page.locator('button.lang').click();
    await page.waitForFunction((t) => document.querySelector('#lesson-pane h1')?.innerText !== t, fr);
    const en = await page.locator('#lesson-pane h1').innerText();
    assert(/Kubernetes, the orchestrator/.test(en), `lesson not in English: ${en}`);
    assert((await page.locator('.app').getAttribute('lang')) === 'en', 'lang attribute not switched');
    assert(/Control loop/.test(await page.locator('#cluster-pane .tabs').innerText()), 'tabs not in English');
    await context.close();
    const url = `${base}?lang=en&preset=ha&seed=42&cmds=${encodeURIComponent('kubectl get nodes;;echo shared-link')}&presenter=1`;
    const p2 = await open(browser, url, { colorScheme: 'dark' });
    await waitOutput(p2.page, /shared-link/, 'cmds parameter');
    assert(await p2.page.locator('.app.presenter.theme-dark').count() === 1, 'presenter mode / dark theme not applied');
    await shot(p2.page, 'presenter-dark');
    await tab(p2.page, 0);
    assert((await p2.page.locator('.context.current').innerText()).length > 0, 'no current context highlighted');
    await shot(p2.page, 'cluster-dark');
    assert(problems.length + p2.problems.length === 0, [...problems, ...p2.problems].join('\n'));
    await p2.context.close();
  });

  await test('keyboard only: shortcuts, help overlay, resizable gutters, visible focus', async () => {
    const { page, context, problems } = await open(browser, `${base}?preset=kind&seed=5`);
    await page.keyboard.press('F1');
    await page.waitForSelector('[role=dialog] .keys');
    await shot(page, 'help');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[role=dialog] .keys', { state: 'detached' });
    await page.keyboard.press('Alt+KeyP');
    await page.waitForSelector('.clock.paused');
    await page.keyboard.press('Alt+KeyP');
    await page.waitForSelector('.clock:not(.paused)');
    const gutter = page.locator('.gutter').first();
    await gutter.focus();
    const before = Number(await gutter.getAttribute('aria-valuenow'));
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const after = Number(await gutter.getAttribute('aria-valuenow'));
    assert(after === before + 32, `gutter moved from ${before} to ${after}`);
    const outline = await gutter.evaluate((el) => getComputedStyle(el).outlineStyle);
    assert(outline !== 'none', 'no visible focus on the gutter');
    assert(problems.length === 0, problems.join('\n'));
    await context.close();
  });

  await test('CSP meta forbids other origins and unknown scripts', async () => {
    const html = readFileSync(join(DIST_DIR, 'index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert(/default-src 'self'/.test(csp), `no default-src 'self': ${csp}`);
    assert(/script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'/.test(csp), `script-src not hashed: ${csp}`);
    assert(!/INLINE-SCRIPTS|unsafe-eval'(?<!wasm-unsafe-eval')|https?:/.test(csp.replace("'wasm-unsafe-eval'", '')), `CSP too open: ${csp}`);
    const { page, context, problems } = await open(browser, base);
    const blocked = await page.evaluate(() => new Promise((done) => {
      document.addEventListener('securitypolicyviolation', () => done(true), { once: true });
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.body.appendChild(s);
      setTimeout(() => done(window.__injected !== true), 500);
    }));
    assert(blocked, 'an injected inline script ran');
    await context.close();
    assert(problems.filter((p) => !/Content Security Policy|Refused to execute/.test(p)).length === 0, problems.join('\n'));
  });

  await test('cluster view with 100 nodes and 3,000 pods stays interactive', async () => {
    const t0 = performance.now();
    const { page, context, problems } = await open(browser, `${base}?bench=100x3000&seed=1`);
    await page.waitForFunction(() => document.querySelectorAll('#cluster-pane .pod').length >= 3000, null, { timeout: 30000 });
    metric('100 nodes / 3000 pods: load to rendered', `${Math.round(performance.now() - t0)} ms`);
    const visible = await page.evaluate(() => {
      const p = document.querySelector('.node:not(.cp) .pod');
      const r = p.getBoundingClientRect();
      return getComputedStyle(p).opacity !== '0' && r.width > 4 && r.height > 4;
    });
    assert(visible, 'pods are in the DOM but not visible');
    const frames = await page.evaluate(() => new Promise((done) => {
      const times = [];
      let last = performance.now();
      const start = last;
      const loop = (now) => {
        times.push(now - last);
        last = now;
        if (now - start < 3000) requestAnimationFrame(loop); else done(times);
      };
      requestAnimationFrame(loop);
    }));
    frames.sort((a, b) => a - b);
    const p50 = frames[Math.floor(frames.length / 2)];
    const p95 = frames[Math.floor(frames.length * 0.95)];
    metric('100 nodes / 3000 pods: frame time while the simulation ticks', `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, ${frames.length} frames in 3 s`);
    const t1 = performance.now();
    await type(page, 'echo typed-fast');
    await waitOutput(page, /typed-fast/, 'echo under load');
    metric('100 nodes / 3000 pods: type + Enter -> output', `${Math.round(performance.now() - t1)} ms`);
    await shot(page, 'bench');
    assert(p50 < 100, `median frame ${p50} ms: the view is not interactive`);
    assert(problems.length === 0, problems.join('\n'));
    await context.close();
  });
}

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  if (!existsSync(join(DIST_DIR, 'index.html'))) {
    console.error(`e2e: ${DIST_DIR}/index.html not found: run "bash .ci/build" first`);
    console.log('e2e: 0 passed, 1 failed');
    return 1;
  }
  const server = process.env.E2E_URL ? null : await startServer(DIST_DIR, { base: '/' });
  const base = process.env.E2E_URL ?? server.url;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    await suite(browser, base);
  } finally {
    await browser.close();
    if (server) await server.close();
  }
  console.log(`screenshots: ${OUT_DIR}/ui-*.png`);
  return summary();
}

runMain(main);
