// The command line: `--model` picks one model or all four, each starting from its own defaults, the other
// options override them for every model, and bad values are refused with a message.
import { CommanderError } from 'commander';
import { describe, expect, test } from 'vitest';
import { createProgram, parseArgs } from '../src/cli/options.js';
import { MODELS } from '../src/models/index.js';
import { DEFAULT_SETTINGS, settingsFor } from '../src/train/settings.js';

/** Parses `argv` with errors thrown instead of exiting, and the error text captured. */
function parse(argv: string[]): ReturnType<typeof parseArgs> {
  const program = createProgram()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return parseArgs(argv, program);
}

describe('cp-mnist options', () => {
  test('no options: the MLP with the defaults of today', () => {
    const args = parse([]);
    expect(args.models).toEqual([DEFAULT_SETTINGS]);
    expect(args).toMatchObject({ backend: 'wasm', out: 'out/mnist' });
    expect(DEFAULT_SETTINGS).toMatchObject({
      model: 'mlp',
      epochs: 10,
      batch: 64,
      lr: 1e-3,
      maxNorm: 1.5,
      clipNorm: 1,
    });
  });

  test('--model cnn trains the CNN with its own defaults', () => {
    const [cnn] = parse(['--model', 'cnn']).models;
    expect(cnn).toEqual(settingsFor('cnn'));
    expect(cnn).toMatchObject({ model: 'cnn', ...MODELS.cnn.defaults, seed: 0, constraints: 'on' });
  });

  test('--model all trains the four in order; the options given apply to each', () => {
    const args = parse(['--model', 'all', '--epochs', '2', '--seed', '7', '--backend', 'js']);
    expect(args.models.map((s) => s.model)).toEqual(['mlp', 'cnn', 'lstm', 'vit']);
    for (const s of args.models) {
      expect(s).toMatchObject({ epochs: 2, seed: 7, lr: MODELS[s.model].defaults.lr });
    }
    expect(args.backend).toBe('js');
  });

  test('--rate-constraint gives the rate settings for the MLP, and no rate otherwise', () => {
    expect(parse([]).rate).toBeNull();
    const args = parse(['--rate-constraint', '--rate-floor', '0.9']);
    expect(args.rate).toMatchObject({ floor: 0.9 });
    expect(args.models.map((s) => s.model)).toEqual(['mlp']);
  });

  test('--overhead: auto (bounded to a tenth of the run) by default, always or off when asked', () => {
    expect(parse([]).overhead).toBe('auto');
    expect(parse(['--overhead', 'off']).overhead).toBe('off');
    expect(parse(['--overhead', 'always']).overhead).toBe('always');
    expect(createProgram().helpInformation()).toMatch(
      /--overhead <when>[\s\S]*only\s+if\s+it\s+fits\s+in\s+10%\s+of\s+the\s+run/,
    );
  });

  test.each([
    [['--rate-constraint', '--model', 'cnn'], /--rate-constraint trains the MLP only.*--model cnn/],
    [['--model', 'resnet'], /argument 'resnet' is invalid.*Allowed choices are mlp, cnn, lstm, vit, all/],
    [['--model'], /argument missing/],
    [['--epochs', '0'], /--epochs must be a positive integer/],
    [['--lr', '-1'], /--lr must be a positive number/],
    [['--overhead', 'sometimes'], /argument 'sometimes' is invalid.*Allowed choices are auto, always, off/],
  ])('%j is refused', (argv, message) => {
    expect(() => parse(argv)).toThrow(CommanderError);
    expect(() => parse(argv)).toThrow(message);
  });
});
