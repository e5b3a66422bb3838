// Post-build step (a trunk hook, see Trunk.toml): fills the Content-Security-Policy of the
// built index.html with the sha256 of every inline <script> trunk injected (the wasm loader,
// and in `trunk serve` the auto-reload script), so the CSP can forbid every other script.
//
//   node .ci/csp-hash.mjs [path/to/index.html]   (default: $TRUNK_STAGING_DIR/index.html)
//
// index.html carries the placeholder 'sha256-INLINE-SCRIPTS' in its CSP; without this step
// that placeholder matches nothing and the browser refuses to start the app (fail closed).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PLACEHOLDER = "'sha256-INLINE-SCRIPTS'";
const file = process.argv[2] ?? join(process.env.TRUNK_STAGING_DIR ?? 'dist', 'index.html');
let html = readFileSync(file, 'utf8');
if (!html.includes(PLACEHOLDER)) {
  console.log(`csp-hash: no ${PLACEHOLDER} in ${file} (already filled?)`);
  process.exit(0);
}
const hashes = new Set();
for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
  hashes.add(`'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
}
let csp = [...hashes].join(' ') || "'none'";
// `trunk serve` reloads the page through a websocket to itself.
if (process.env.TRUNK_PROFILE === 'debug') {
  html = html.replace("connect-src 'self'", "connect-src 'self' ws: wss:");
}
html = html.replace(PLACEHOLDER, csp);
writeFileSync(file, html);
console.log(`csp-hash: ${file}: ${hashes.size} inline script(s) allowed by hash`);
