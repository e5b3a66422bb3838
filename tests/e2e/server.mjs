// A small static file server (Node's http, no dependencies) for dist/.
// run.mjs starts two: one serving dist/ at "/", one serving it ONLY under
// SUB_PATH (everything outside it is a 404). The second proves the build uses
// relative URLs: an absolute "/kubesim.js" would not load there.
//
// Also runnable by hand to look at a production build:
//   node tests/e2e/server.mjs [port] [dist-dir] [base-path]
//   -> http://127.0.0.1:<port><base-path>   (base-path defaults to "/")
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { resolve, join, extname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SUB_PATH = '/some/sub/path/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', // needed by WebAssembly.instantiateStreaming
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

function statOrNull(path) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/**
 * Starts serving `distDir` under the URL path `base` (ending in "/") on
 * 127.0.0.1. Resolves to { server, origin, url, close }; port 0 picks a free port.
 */
export function startServer(distDir, { base = '/', port = 0 } = {}) {
  const root = resolve(distDir);
  if (!base.startsWith('/') || !base.endsWith('/')) throw new Error(`base must start and end with "/": ${base}`);
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let path;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    // The base without its trailing slash redirects, as real static hosts
    // do: relative URLs only resolve correctly from ".../path/".
    if (base !== '/' && path === base.slice(0, -1)) {
      res.writeHead(301, { Location: base + url.search }).end();
      return;
    }
    if (!path.startsWith(base)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found (only ${base} is served)`);
      return;
    }
    path = '/' + path.slice(base.length);

    let file = join(root, path);
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    let st = statOrNull(file);
    if (st?.isDirectory()) {
      if (!url.pathname.endsWith('/')) {
        res.writeHead(301, { Location: url.pathname + '/' + url.search }).end();
        return;
      }
      file = join(file, 'index.html');
      st = statOrNull(file);
    }
    if (!st?.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': st.size,
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      resolvePromise({
        server,
        origin,
        url: origin + base,
        close: () => new Promise((r) => server.close(r)),
      });
    });
  });
}

// Run directly: serve until Ctrl-C.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const port = Number(process.argv[2] ?? 8081);
  const dist = process.argv[3] ?? join(here, '..', '..', 'dist');
  const base = process.argv[4] ?? '/';
  const { url } = await startServer(dist, { base, port });
  console.log(`serving ${resolve(dist)} at ${url}`);
}
