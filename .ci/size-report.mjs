// Size report for a built dist/ folder: raw, gzip and brotli size of every
// file, and the totals. Exits 1 when the brotli total exceeds the budget.
//
//   node .ci/size-report.mjs <dist-dir> <budget-kib>
//
// gzip -9 and brotli quality 11 are what a static host or CDN typically
// serves, so the brotli column is the closest to real transfer size.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, extname } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const [distDir, budgetArg] = process.argv.slice(2);
if (!distDir) {
  console.error('usage: node .ci/size-report.mjs <dist-dir> [budget-kib]');
  process.exit(2);
}
const budgetKiB = Number(budgetArg ?? 250);

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

// Order: the files that matter most for load time first.
const kindOrder = { '.wasm': 0, '.js': 1, '.html': 2, '.css': 3 };
// Lessons are fetched on demand when a lesson opens, never on the first page: they are
// reported apart and do not count towards the first-load budget.
const onDemand = (name) => name.startsWith('lessons/') || name.startsWith('lessons\\');
// The parts of the wasm split off the first download (.ci/wasm-split.mjs): fetched right
// after the first page has been painted, or when a command needs them. Reported apart.
const afterFirstPage = (name) => /_(module|chunk)_\d+_\w+\.wasm$/.test(name);
const allFiles = [...walk(distDir)];
const lessonBytes = allFiles
  .filter((p) => onDemand(relative(distDir, p)))
  .reduce((t, p) => t + readFileSync(p).length, 0);
const measured = allFiles
  .filter((p) => !onDemand(relative(distDir, p)))
  .map((path) => {
    const data = readFileSync(path);
    return {
      name: relative(distDir, path),
      raw: data.length,
      gzip: gzipSync(data, { level: 9 }).length,
      brotli: brotliCompressSync(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 11,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      }).length,
    };
  })
  .sort(
    (a, b) =>
      (kindOrder[extname(a.name)] ?? 9) - (kindOrder[extname(b.name)] ?? 9) ||
      b.raw - a.raw,
  );
const rows = measured.filter((r) => !afterFirstPage(r.name));
const later = measured.filter((r) => afterFirstPage(r.name));

if (rows.length === 0) {
  console.error(`size: no files in ${distDir}`);
  process.exit(1);
}

const kib = (n) => (n / 1024).toFixed(1);
const total = rows.reduce(
  (t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
  { raw: 0, gzip: 0, brotli: 0 },
);
const nameWidth = Math.max(18, ...rows.map((r) => r.name.length));
const line = (name, r) =>
  `${name.padEnd(nameWidth)}  ${kib(r.raw).padStart(9)}  ${kib(r.gzip).padStart(9)}  ${kib(r.brotli).padStart(9)}`;

console.log(`${'file'.padEnd(nameWidth)}  ${'raw KiB'.padStart(9)}  ${'gzip KiB'.padStart(9)}  ${'br KiB'.padStart(9)}`);
for (const r of rows) console.log(line(r.name, r));
console.log(line('total (first load)', total));
if (later.length > 0) {
  const laterTotal = later.reduce(
    (t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
    { raw: 0, gzip: 0, brotli: 0 },
  );
  console.log('after the first page (split off the wasm, fetched once the first page is painted):');
  for (const r of later) console.log(line(r.name, r));
  console.log(line('total (after)', laterTotal));
}
console.log(`on demand (lessons/, not in the first load): ${kib(lessonBytes)} KiB raw`);

const totalBrKiB = total.brotli / 1024;
const targetKiB = Number(process.argv[4] ?? budgetKiB);
console.log(
  totalBrKiB <= targetKiB
    ? `size: target met: brotli total ${kib(total.brotli)} KiB <= ${targetKiB} KiB`
    : `size: target NOT met: brotli total ${kib(total.brotli)} KiB > ${targetKiB} KiB target (see BENCHMARKS.md)`,
);
if (totalBrKiB > budgetKiB) {
  console.log(`size: FAIL brotli total ${kib(total.brotli)} KiB exceeds the ${budgetKiB} KiB ceiling (SIZE_BUDGET_BROTLI_KB)`);
  process.exit(1);
}
console.log(`size: ok brotli total ${kib(total.brotli)} KiB within the ${budgetKiB} KiB ceiling`);
