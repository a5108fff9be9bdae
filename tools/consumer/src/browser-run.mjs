// Runs the consumer project's Vite app in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core), served by the Vite dev server or from a production build, and returns what the page
// reports when training ends.
import { createServer as netServer } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build, createServer, preview } from 'vite';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts Vite on `root` in `mode` ('dev' or 'build'); returns `{ url, close, bundle }`. */
async function serve(root, mode) {
  const port = await freePort();
  const server = { host: '127.0.0.1', port, strictPort: true, open: false };
  if (mode === 'dev') {
    const dev = await createServer({ root, logLevel: 'warn', server, configFile: false });
    await dev.listen();
    return { url: `http://127.0.0.1:${port}/`, close: () => dev.close(), bundle: null };
  }
  const outDir = join(root, 'dist');
  const output = await build({ root, logLevel: 'warn', configFile: false, build: { outDir, target: 'es2022' } });
  const bundle = output.output.map((o) => ({
    fileName: o.fileName,
    bytes: o.type === 'chunk' ? o.code.length : o.source.length,
  }));
  const prev = await preview({ root, logLevel: 'warn', configFile: false, build: { outDir }, preview: server });
  return { url: `http://127.0.0.1:${port}/`, close: () => prev.close(), bundle };
}

/**
 * Serves the app, opens it in Chromium and waits for `data-result` (or `data-error`) on the body.
 * Returns `{ result, bundle, pageErrors }`; throws with the page's error when training failed.
 */
export async function runInChromium(root, mode, timeoutMs = 60_000) {
  const server = await serve(root, mode);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.result || document.body.dataset.error, null, {
      timeout: timeoutMs,
    });
    const { result, error } = await page.evaluate(() => ({ ...document.body.dataset }));
    if (error) throw new Error(`the app failed in Chromium (${mode}): ${error}`);
    return { result: JSON.parse(result), bundle: server.bundle, pageErrors };
  } finally {
    await browser.close();
    await server.close();
  }
}
