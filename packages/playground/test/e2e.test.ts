// End to end in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): build the app,
// serve it with `vite preview` on a free localhost port, train on the wasm backend until the held-out
// accuracy passes 80%, check the page stays responsive, overlay runs, train a CNN with per-layer constraints,
// and save screenshots to test-results/.
import { mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DIGITS_FILE } from '../src/digits-file.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = '/usr/bin/chromium';
const TARGET = 0.8;

let server: PreviewServer | undefined;
let browser: Browser | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  await build({ root, logLevel: 'warn' });
  const port = await freePort();
  server = await preview({
    root,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port, strictPort: true, open: false },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function responsiveMs(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((r) => {
        const t = performance.now();
        setTimeout(() => r(performance.now() - t), 0);
      }),
  );
}

test('the playground trains on wasm in Chromium past 80% held-out accuracy and stays responsive', async () => {
  const page = await browser!.newPage({ viewport: { width: 1180, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(server!.resolvedUrls!.local[0], { timeout: 30_000 });
  await page.selectOption('#backend', 'wasm');
  await page.click('#start');
  await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#held-out')?.dataset.value) > 0, null, {
    timeout: 60_000,
  });
  expect(await page.evaluate(() => document.body.dataset.backend)).toBe('wasm');
  // NOTE: served cross-origin isolated (vite.config.ts), the page gets shared memory, so the wasm backend in
  // the trainer's worker runs on more than one thread.
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  expect(await page.evaluate(() => document.body.dataset.threads)).toMatch(/^[2-8]: /);
  expect(await responsiveMs(page)).toBeLessThan(500);
  await page.waitForFunction(
    (t) => Number(document.querySelector<HTMLElement>('#held-out')?.dataset.value) > t,
    TARGET,
    { timeout: 90_000 },
  );
  await page.waitForTimeout(300);
  await mkdir(join(root, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(root, 'test-results', 'playground.png'), fullPage: true });
  const accuracy = Number(await page.evaluate(() => document.querySelector<HTMLElement>('#held-out')?.dataset.value));
  expect(accuracy).toBeGreaterThan(TARGET);
  // NOTE: the progress bar counts the run's steps (3 epochs) and says how long the rest will take.
  expect(Number(await page.getAttribute('#progress', 'value'))).toBeGreaterThan(0);
  expect(await page.textContent('#progress-text')).toMatch(/^\d+%, step \d+ of \d+, ETA \d+ s$/);
  expect(await page.textContent('#violation')).toMatch(/^0\.0e\+0$|e-[5-9]$/);
  await page.click('#stop');
  await page.waitForFunction(() => !(document.querySelector('#start') as HTMLButtonElement).disabled, null, {
    timeout: 30_000,
  });
  // NOTE: the settings of the run are in the URL hash, and a reload restores the controls from it.
  expect(page.url()).toContain('optimizer=adam');
  await page.goto(`${server!.resolvedUrls!.local[0]}#backend=js&constraints=0&epochs=7&optimizer=sgd&lr=0.05`);
  await page.reload();
  expect(await page.inputValue('#optimizer')).toBe('sgd');
  expect(await page.inputValue('#lr')).toBe('0.05');
  expect(await page.inputValue('#epochs')).toBe('7');
  expect(await page.inputValue('#backend')).toBe('js');
  expect(await page.isChecked('#constraints')).toBe(false);
  // NOTE: a hash without a model (an older link) opens the MLP.
  expect(await page.inputValue('#model')).toBe('mlp');
  expect(errors).toEqual([]);
});

/** Starts a run with the page's current controls and waits until it has finished. */
async function runToEnd(page: Page): Promise<void> {
  await page.click('#start');
  // NOTE: Start is disabled from the click until the worker reports the run done.
  await page.waitForFunction(
    () =>
      !(document.querySelector('#start') as HTMLButtonElement).disabled &&
      document.querySelector('#status')?.textContent?.startsWith('Finished'),
    null,
    { timeout: 90_000 },
  );
}

test('runs overlay: two short runs (constraints on, then off) both appear in the loss chart', async () => {
  const page = await browser!.newPage({ viewport: { width: 1180, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server!.resolvedUrls!.local[0]}#backend=wasm&constraints=1&epochs=1&optimizer=adam&lr=0.001`);
  await runToEnd(page);
  await page.uncheck('#constraints');
  await runToEnd(page);
  await page.waitForTimeout(200);
  const legend = await page.$$eval('#chart-loss .legend', (ts) => ts.map((t) => t.textContent));
  expect(legend).toEqual([
    'mlp, 0.weight+2.weight maxNorm 1.5 · 5.scale positive, adam 1e-3',
    'mlp, constraints off, adam 1e-3',
  ]);
  expect(await page.$$eval('#chart-loss path[fill="none"]', (ps) => ps.length)).toBe(2);
  // NOTE: the run with constraints off is drawn dashed.
  expect(await page.$$eval('#chart-loss path[stroke-dasharray]', (ps) => ps.length)).toBe(1);
  // NOTE: the live histogram of the watched layer's unit norms (by default the first constrained one) draws
  // the maxNorm bound as its marker.
  expect(await page.textContent('#chart-norms svg .marker')).toMatch(/^maxNorm \d/);
  expect(await page.getAttribute('#chart-norms svg', 'aria-label')).toBe('Unit norms of 0.weight at step 125');
  // NOTE: at the end of each run the page shows its held-out confusion matrix and 20 misclassified digits.
  expect(await page.getAttribute('#chart-confusion svg', 'aria-label')).toBe('Held-out confusion matrix');
  expect(await page.textContent('#figures-run')).toBe(
    'Held-out figures of the latest run: mlp, constraints off, adam 1e-3.',
  );
  expect(await page.$$eval('#chart-misclassified svg image', (is) => is.length)).toBe(20);
  await mkdir(join(root, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(root, 'test-results', 'playground-two-runs.png'), fullPage: true });
  await page.click('#clear');
  expect(await page.$$eval('#chart-loss svg', (s) => s.length)).toBe(0);
  expect(errors).toEqual([]);
});

/** The control `field` (kind, bound or mode) of layer `name`'s row. */
const layerField = (name: string, field: string): string => `.layer[data-layer="${name}"] [data-field="${field}"]`;

test('a CNN with per-layer constraints trains past chance, a second run with other constraints overlays it, and the hash restores them', async () => {
  const page = await browser!.newPage({ viewport: { width: 1180, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server!.resolvedUrls!.local[0]);
  await page.selectOption('#model', 'cnn');
  // NOTE: picking a model lists its weights with the spec's default constraints and sets its short-run defaults.
  expect(await page.$$eval('.layer', (rows) => rows.map((r) => (r as HTMLElement).dataset.layer))).toEqual([
    'conv1.weight',
    'conv2.weight',
    'fc.weight',
  ]);
  expect(await page.inputValue(layerField('conv2.weight', 'kind'))).toBe('maxNorm');
  expect(await page.inputValue(layerField('conv2.weight', 'bound'))).toBe('3');
  expect(await page.inputValue('#lr')).toBe('0.003');
  await page.fill('#epochs', '1');
  // A bad bound is refused in the page with a message naming the layer; no run starts.
  await page.fill(layerField('conv1.weight', 'bound'), '-1');
  await page.click('#start');
  expect(await page.textContent('#status')).toBe(
    'Cannot start: conv1.weight: the maxNorm bound (max) must be a positive number, got -1.',
  );
  expect(await page.isEnabled('#start')).toBe(true);
  await page.fill(layerField('conv1.weight', 'bound'), '2');
  await page.selectOption(layerField('conv2.weight', 'kind'), 'none');
  await page.selectOption(layerField('fc.weight', 'kind'), 'spectralNorm');
  expect(await page.inputValue(layerField('fc.weight', 'bound'))).toBe('1');
  await page.click('#start');
  await page.waitForFunction(() => document.body.dataset.model === 'cnn', null, { timeout: 30_000 });
  expect(await responsiveMs(page)).toBeLessThan(500);
  await page.waitForFunction(
    () =>
      !(document.querySelector('#start') as HTMLButtonElement).disabled &&
      document.querySelector('#status')?.textContent?.startsWith('Finished'),
    null,
    { timeout: 90_000 },
  );
  // NOTE: the worker trained the CNN (conv 1->16, conv 16->32, Linear 800->10: 12,810 parameters) with the
  // constraints set in the page, and it ends far above chance (10%) after one epoch.
  expect(await page.evaluate(() => document.body.dataset.parameters)).toBe('12810');
  expect(await page.textContent('#registered')).toContain('conv1.weight: maxNorm(max=2, dim=[1,2,3]) (project)');
  expect(await page.textContent('#registered')).toContain('fc.weight: spectralNorm(maxSigma=1');
  expect(await page.textContent('#registered')).not.toContain('conv2.weight');
  const accuracy = Number(await page.evaluate(() => document.querySelector<HTMLElement>('#held-out')?.dataset.value));
  expect(accuracy).toBeGreaterThan(0.5);
  expect(await page.getAttribute('#chart-norms svg', 'aria-label')).toBe('Unit norms of conv1.weight at step 125');
  expect(await page.textContent('#chart-norms svg .marker')).toBe('maxNorm 2');
  // A second run with other constraints: conv1 on the unit sphere, fc orthogonal by reparametrization.
  await page.selectOption(layerField('conv1.weight', 'kind'), 'unitNorm');
  await page.selectOption(layerField('fc.weight', 'kind'), 'orthogonal');
  await page.selectOption(layerField('fc.weight', 'mode'), 'reparametrize');
  await page.selectOption('#watch', 'fc.weight');
  await runToEnd(page);
  await page.waitForTimeout(200);
  const legend = await page.$$eval('#chart-loss .legend', (ts) => ts.map((t) => t.textContent));
  expect(legend).toEqual([
    'cnn, conv1 maxNorm 2 · fc spectralNorm 1, adam 3e-3',
    'cnn, conv1 unitNorm · fc orthogonal reparam, adam 3e-3',
  ]);
  expect(await page.$$eval('#chart-loss path[fill="none"]', (ps) => ps.length)).toBe(2);
  expect(await page.getAttribute('#chart-norms svg', 'aria-label')).toBe('Unit norms of fc.weight at step 125');
  expect(await page.textContent('#registered')).toContain('fc.weight: orthogonal() (reparametrize)');
  expect(await page.textContent('#violation')).toMatch(/e-[3-9]$|^0\.0e\+0$/);
  await mkdir(join(root, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(root, 'test-results', 'playground-models.png'), fullPage: true });
  // NOTE: the hash holds the model and every layer's setting; a reload restores them.
  const url = page.url();
  expect(url).toContain('model=cnn');
  expect(url).toContain('w.conv1.weight=unitNorm');
  expect(url).toContain('w.fc.weight=orthogonal_reparametrize');
  expect(url).toContain('watch=fc.weight');
  await page.goto('about:blank');
  await page.goto(url);
  expect(await page.inputValue('#model')).toBe('cnn');
  expect(await page.inputValue('#epochs')).toBe('1');
  expect(await page.inputValue(layerField('conv1.weight', 'kind'))).toBe('unitNorm');
  expect(await page.inputValue(layerField('conv2.weight', 'kind'))).toBe('none');
  expect(await page.inputValue(layerField('fc.weight', 'kind'))).toBe('orthogonal');
  expect(await page.inputValue(layerField('fc.weight', 'mode'))).toBe('reparametrize');
  expect(await page.inputValue('#watch')).toBe('fc.weight');
  expect(errors).toEqual([]);
});

test('at phone width (390 px) the page, charts and figures included, has no horizontal scroll', async () => {
  const page = await browser!.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${server!.resolvedUrls!.local[0]}#backend=wasm&constraints=1&epochs=1&optimizer=adam&lr=0.001`);
  await runToEnd(page);
  await page.waitForTimeout(200);
  expect(await page.$$eval('svg', (s) => s.length)).toBeGreaterThanOrEqual(6);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await mkdir(join(root, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(root, 'test-results', 'playground-phone.png'), fullPage: true });
});

test('the digits asset is served gzipped, about 1.6 MB instead of 7.9', async () => {
  const bytes = (await stat(join(root, 'dist', DIGITS_FILE))).size;
  expect(bytes).toBeGreaterThan(1e6);
  expect(bytes).toBeLessThan(2e6);
});
