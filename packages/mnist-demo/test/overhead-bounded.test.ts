// The overhead measurement stays within a tenth of the run: with one huge batch (`--batch 100000`: a single
// slow step per epoch) it is skipped and says why, in the terminal, the summary and the report; with
// `--overhead off` it is not run at all.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { type MainOptions, main } from '../src/cli/main.js';
import { settingsFor } from '../src/train/settings.js';

let out = '';

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'cp-mnist-overhead-'));
});
afterAll(() => rm(out, { recursive: true, force: true }));

async function run(
  dir: string,
  overhead: MainOptions['overhead'],
): Promise<{ printed: string; summary: { overhead: unknown; overheadNote: string | null }; html: string }> {
  let printed = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed += String(chunk);
    return true;
  });
  try {
    await main([settingsFor('mlp', { epochs: 2, batch: 100_000 })], { backend: 'wasm', out: join(out, dir), overhead });
  } finally {
    write.mockRestore();
  }
  const summary = JSON.parse(await readFile(join(out, dir, 'summary.json'), 'utf8'));
  return { printed, summary, html: await readFile(join(out, dir, 'report.html'), 'utf8') };
}

describe('the bounded overhead measurement', () => {
  test('a run of two huge steps is too short to time 5 variants in a tenth of it: skipped, and said', async () => {
    const { printed, summary, html } = await run('huge', 'auto');
    expect(printed).toMatch(
      /per-step overhead of the constraints: not measured: at \d+\.\d ms a step, even 3 rounds would take more than 10% of the run \(--overhead always measures it anyway\)/,
    );
    expect(printed).not.toContain('all of them (this run)');
    expect(summary.overhead).toBeNull();
    expect(summary.overheadNote).toMatch(/^not measured: at/);
    expect(html).toContain('even 3 rounds would take more than 10% of the run');
  }, 120_000);

  test('--overhead off does not measure', async () => {
    const { printed, summary } = await run('off', 'off');
    expect(printed).toContain('per-step overhead of the constraints: not measured (--overhead off)');
    expect(summary.overhead).toBeNull();
  }, 120_000);
});
