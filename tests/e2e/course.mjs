// The whole course, walked in headless Chromium the way a student would: open each lesson (the
// first one is what a new visitor gets, the others through the "next lesson" button), type
// every step's reference solution into the terminal input key by key, answer the quizzes,
// watch each step get its ✓ and its live diagrams draw something, then reload and find the
// progress kept. Simulated time is sped up with the "until stable" button, like a student
// who does not want to wait five minutes for an eviction.
//
//   bash .ci/build && node tests/e2e/course.mjs
//   E2E_URL=http://127.0.0.1:8080/ node tests/e2e/course.mjs   # against `.ci/serve`
//   COURSE_LESSONS=05-control-loops,06-etcd node tests/e2e/course.mjs   # some lessons only
//
// The solutions come from tests/e2e/course-plan.json, which `cargo test --test lessons` keeps
// equal to the lessons' lesson.yaml. Same output conventions as run.mjs: one "ok"/"not ok"
// line per lesson, "metric:" lines, a final "e2e: N passed, M failed"; exit code 1 on failure.
// Screenshots of each finished lesson: target/e2e/course-<lesson>.png.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './server.mjs';
import {
  ROOT,
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

const chromium = loadChromium('e2e course');
const plan = JSON.parse(readFileSync(join(ROOT, 'tests', 'e2e', 'course-plan.json'), 'utf8'));
const only = process.env.COURSE_LESSONS?.split(',').filter(Boolean);
// "Until stable" clicks allowed per step: each lets at least 20 s of simulated time pass (up to
// 10 min), enough for the slowest check (an eviction after 300 s of NotReady).
const MAX_STABLE_CLICKS = 25;

const prompt = (page) => page.locator('.term-prompt .prompt').innerText().catch(() => '');
const tail = async (page) => (await page.evaluate(() => document.querySelector('#term-output')?.innerText ?? '')).slice(-1500);

// The prompt is empty while a command streams (`rollout status`, `-w`).
async function streaming(page) {
  return (await prompt(page)).trim() === '';
}

async function stable(page) {
  await page.locator('.sim-controls .stable').click();
}

async function typeLine(page, line) {
  const input = page.locator('#term-input');
  await input.fill('');
  await input.pressSequentially(line);
  await input.press('Enter');
  // A streaming command ends when what it waits for happens: let simulated time run.
  for (let i = 0; i < MAX_STABLE_CLICKS && (await streaming(page)); i++) await stable(page);
  assert(!(await streaming(page)), `\`${line}\` never gave the prompt back:\n${await tail(page)}`);
}

const dots = (page) => page.locator('#lesson-pane .step-dot');
const isDone = async (page, i) => /\bdone\b/.test((await dots(page).nth(i).getAttribute('class')) ?? '');

async function answer(page, quiz, picks) {
  const q = page.locator(`#lesson-pane section.step fieldset.quiz[data-quiz="${quiz}"]`);
  assert((await q.count()) === 1, `quiz ${quiz} is not in the step shown`);
  for (const p of picks) await q.locator('input').nth(p).check();
  await q.locator('button.primary').click();
  await q.locator('.quiz-result.right').waitFor({ timeout: 5000 });
}

// What some steps' live diagrams must show once the step is done: they follow the cluster.
// (The next step has started by then: its `stop`/`start` faults show too.)
const LIVE = {
  '03-node-components/break': async (d) => {
    assert(await d.locator('.dg-comp.down', { hasText: 'kubelet' }).count() === 1, 'the stopped kubelet is not crossed out');
    assert(await d.locator('.dg-node.notready').count() === 1, 'kind-worker is not shown NotReady');
  },
  '03-node-components/repair': async (d) => {
    assert(await d.locator('.dg-comp.down').count() === 0, 'a component still shows stopped');
  },
  '04-control-plane/restart-scheduler': async (d) => {
    assert(await d.locator('.dg-workers .dg-pod', { hasText: 'web' }).count() === 1, 'web is not drawn on a worker');
  },
  '06-etcd/lose-one': async (d) => {
    // lose-one stopped cp-3, and lose-two has just stopped cp-2: no quorum any more.
    assert(await d.locator('.dg-box.down').count() === 2, 'the stopped etcd members are not drawn stopped');
    assert(await d.locator('.dg-bad').count() === 1, 'the lost quorum is not said');
  },
  '07-kubeconfig/add-context': async (d) => {
    assert(await d.locator('.dg-box', { hasText: 'staging' }).count() === 1, 'the new context is not drawn');
  },
  '09-managed-clusters/loadbalancer': async (d) => {
    assert(await d.locator('.dg-services strong').count() === 1, 'the load balancer has no external IP drawn');
  },
};

async function walkStep(page, lesson, step, i) {
  // The pane shows the step the student is on.
  const want = `Step ${i + 1} of ${lesson.steps.length}`;
  await page.waitForFunction((w) => document.querySelector('#lesson-pane .step-dot.current')?.getAttribute('aria-label')?.startsWith(w), want, { timeout: 3000 })
    .catch(() => {});
  const current = await page.locator('#lesson-pane .step-dot.current').getAttribute('aria-label');
  assert(current?.startsWith(want), `step ${step.id}: the pane shows ${current}`);
  for (const line of step.commands) await typeLine(page, line);
  for (const [quiz, picks] of Object.entries(step.quiz)) await answer(page, quiz, picks);
  let clicks = 0;
  while (!(await isDone(page, i))) {
    await page.waitForTimeout(300);
    if (await isDone(page, i)) break;
    assert(clicks++ < MAX_STABLE_CLICKS, `step ${step.id} is not checked after its solution and ${clicks - 1} "until stable":\n${await tail(page)}`);
    await stable(page);
  }
  // The ✓ shows on the step itself, and its live diagrams have something to draw.
  await page.locator('#lesson-pane section.step.done .check-mark').waitFor({ timeout: 5000 });
  const section = page.locator('#lesson-pane section.step');
  const figures = await section.locator('figure.live-diagram').count();
  assert(figures === step.diagrams, `step ${step.id}: ${figures} live diagrams drawn, ${step.diagrams} in the text`);
  assert((await section.locator('.dg-missing').count()) === 0, `step ${step.id}: a diagram has nothing to draw`);
  const live = LIVE[`${lesson.id}/${step.id}`];
  if (live) {
    const fig = section.locator('figure.live-diagram').first();
    await live(fig).catch(async (e) => { throw new Error(`step ${step.id}: ${e.message}; the diagram says: ${await fig.locator('.sr-only').innerText()}`); });
  }
  return clicks;
}

async function openPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const origin = new URL(url).origin;
  const problems = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (new URL(u).origin === origin || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    problems.push(`request to another origin: ${u}`);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`); });
  await page.goto(url, { waitUntil: 'load', timeout: READY_TIMEOUT_MS });
  await ready(page);
  return { page, context, problems };
}

async function ready(page) {
  await page.waitForSelector('#term-input:not([disabled])', { state: 'attached', timeout: READY_TIMEOUT_MS });
  await page.waitForSelector('#lesson-pane h1', { timeout: READY_TIMEOUT_MS });
}

// The lesson shown is `lesson` (its dots are there, one per step).
async function onLesson(page, lesson) {
  await page.waitForFunction((n) => document.querySelectorAll('#lesson-pane .step-dot').length === n, lesson.steps.length, { timeout: READY_TIMEOUT_MS })
    .catch(async () => { throw new Error(`lesson ${lesson.id} did not show ${lesson.steps.length} steps at ${page.url()}; the pane says: ${(await page.locator('#lesson-pane').innerText()).slice(0, 200)}…${(await page.locator('#lesson-pane').innerText()).slice(-300)}`); });
  await page.waitForSelector('#lesson-pane .step-dot.current');
}

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  if (!process.env.E2E_URL && !existsSync(join(DIST_DIR, 'index.html'))) {
    console.error(`e2e: ${DIST_DIR}/index.html not found: run "bash .ci/build" first`);
    console.log('e2e: 0 passed, 1 failed');
    return 1;
  }
  const server = process.env.E2E_URL ? null : await startServer(DIST_DIR, { base: '/' });
  const base = process.env.E2E_URL ?? server.url;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const started = performance.now();
  try {
    const lessons = plan.lessons.filter((l) => !only || only.includes(l.id));
    // English, so the texts the assertions read are stable; a fresh profile: the first
    // lesson opens by itself, as for a new visitor.
    const first = lessons[0];
    const url = first.id === plan.lessons[0].id ? `${base}?lang=en` : `${base}?lang=en&lesson=${first.id}`;
    let { page, context, problems } = await openPage(browser, url);
    for (const [n, lesson] of lessons.entries()) {
      await test(`lesson ${lesson.id}: every step checked from its solution, progress kept on reload`, async () => {
        const t0 = performance.now();
        if (n > 0) {
          // What a student clicks at the end of a lesson (when the one before was walked);
          // the address bar otherwise. Lessons can have as many steps as the one before:
          // wait for the new title, not for the dots.
          const next = page.locator('#lesson-pane .next-lesson');
          const follows = plan.lessons.findIndex((l) => l.id === lesson.id) === plan.lessons.findIndex((l) => l.id === lessons[n - 1].id) + 1;
          const before = await page.locator('#lesson-pane h1').innerText().catch(() => '');
          let opened = false;
          if (follows && (await next.count())) {
            await next.click();
            opened = await page.waitForFunction((t) => document.querySelector('#lesson-pane h1')?.innerText !== t, before, { timeout: 10000 })
              .then(() => true, () => false);
            if (!opened) metric(`${lesson.id}: "next lesson" did not open it`, 'opened from the address bar');
          }
          if (!opened) {
            await page.goto(`${base}?lang=en&lesson=${lesson.id}`, { waitUntil: 'load' });
            await ready(page);
          }
        }
        await onLesson(page, lesson);
        let clicks = 0;
        for (const [i, step] of lesson.steps.entries()) {
          if (i > 0) await page.locator('#lesson-pane .step-nav button').last().click(); // Next →
          clicks += await walkStep(page, lesson, step, i);
        }
        await page.locator('#lesson-pane .lesson-done').waitFor({ timeout: 5000 });
        await page.screenshot({ path: join(OUT_DIR, `course-${lesson.id}.png`) });
        // Reload: the saved session comes back on the same lesson, every step still done.
        await page.reload({ waitUntil: 'load' });
        await ready(page);
        await onLesson(page, lesson);
        await page.waitForFunction((n) => document.querySelectorAll('#lesson-pane .step-dot.done').length === n, lesson.steps.length, { timeout: 10000 })
          .catch(async () => {
            const done = await page.locator('#lesson-pane .step-dot.done').count();
            throw new Error(`after reload ${done} of ${lesson.steps.length} steps are done`);
          });
        assert(problems.length === 0, problems.join('\n'));
        metric(`${lesson.id}: walked`, `${((performance.now() - t0) / 1000).toFixed(1)} s, ${clicks} "until stable"`);
      });
      if (results.at(-1)?.ok === false) {
        // Start the next lesson from a clean page rather than from a broken state.
        await context.close();
        problems.length = 0;
        ({ page, context, problems } = await openPage(browser, `${base}?lang=en&lesson=${lessons[n + 1]?.id ?? lesson.id}`));
      }
    }
    // Every lesson finished shows its ✓ in the course index.
    if (!only) {
      await test('course index: every finished lesson has its ✓', async () => {
        const marks = await page.locator('#lesson-pane .course-index .index-done').count();
        const passed = results.filter((r) => r.ok).length;
        assert(marks >= passed, `${marks} ✓ in the index, ${passed} lessons walked`);
      });
    }
    await context.close();
  } finally {
    await browser.close();
    if (server) await server.close();
  }
  metric('course walk total', `${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`screenshots: ${OUT_DIR}/course-*.png`);
  return summary();
}

runMain(main);
