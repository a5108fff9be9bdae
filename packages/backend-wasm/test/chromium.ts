// Runs a page in headless Chromium (Debian's /usr/bin/chromium; tests skip where it is not installed) and
// returns what the page reported: the page's script sends its result to /result (GET query or POST body).
// Files come from one folder; served `isolated`, every response carries COOP/COEP, so the page is
// cross-origin isolated (SharedArrayBuffer, and so the threaded backend).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';
/** Whether Chromium is installed here. */
export const hasChromium = existsSync(CHROMIUM);

/** What `runInChromium` serves and how. */
export interface PageRun {
  /** Folder the other paths are read from. */
  root: string;
  /** HTML served at `/`, or a file of `root` to serve there. */
  page: string | { file: string };
  isolated: boolean;
  timeoutMs: number;
}

const TYPES: Record<string, string> = { js: 'text/javascript', wasm: 'application/wasm', html: 'text/html' };

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s));
  });

/** Serves `run.root` and the page, opens it in Chromium, and returns the report (or 'timeout'). */
export async function runInChromium(run: PageRun): Promise<string> {
  let resolve: (s: string) => void = () => {};
  const result = new Promise<string>((r) => (resolve = r));
  const headers: Record<string, string> = run.isolated
    ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
    : {};
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/result') {
      resolve(req.method === 'POST' ? await body(req) : decodeURIComponent(url.search.slice(1)));
      res.end();
      return;
    }
    if (url.pathname === '/' && typeof run.page === 'string') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html' }).end(run.page);
      return;
    }
    const file = url.pathname === '/' && typeof run.page !== 'string' ? run.page.file : url.pathname.slice(1);
    try {
      const data = await readFile(`${run.root}/${file}`);
      const type = TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream';
      res.writeHead(200, { ...headers, 'content-type': type }).end(data);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    `--user-data-dir=/tmp/cp-chromium-${process.pid}-${port}`,
  ];
  const chrome = spawn(CHROMIUM, [...args, `http://127.0.0.1:${port}/`], { stdio: 'ignore' });
  const timeout = new Promise<string>((r) => setTimeout(() => r('timeout'), run.timeoutMs));
  try {
    return await Promise.race([result, timeout]);
  } finally {
    chrome.kill();
    server.close();
  }
}
