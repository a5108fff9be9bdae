/**
 * What the conformance suite imports from 'vitest', for a page in a browser: vitest's own `expect` (from
 * @vitest/expect, on chai, the same matchers the Node runs use) and `vi.spyOn` (@vitest/spy), with a small
 * collector for describe/test/hooks and `runCollected`, which runs the collected tests that a filter selects.
 * The page's bundle maps 'vitest' to this file; vitest itself needs Node.
 */
import { type ExpectStatic, JestAsymmetricMatchers, JestChaiExpect, JestExtend } from '@vitest/expect';
import { fn, spyOn } from '@vitest/spy';
import * as chai from 'chai';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);
// NOTE: @vitest/expect hands `rejects.toThrow('text' | /re/)` to chai's `throws`, which wants a function;
// vitest patches that in its runner. Here the rejected value is matched by its message directly.
chai.use((c, utils) => {
  utils.overwriteMethod(
    c.Assertion.prototype,
    'throws',
    (throws: (...a: unknown[]) => unknown) =>
      function (this: Chai.AssertionStatic & { _obj: unknown }, expected?: string | RegExp, ...rest: unknown[]) {
        if (utils.flag(this, 'promise') !== 'rejects') return throws.call(this, expected, ...rest);
        const message = this._obj instanceof Error ? this._obj.message : String(this._obj);
        const ok =
          expected === undefined ||
          (typeof expected === 'string' ? message.includes(expected) : expected.test(message));
        this.assert(
          ok,
          `expected the rejection '${message}' to match ${String(expected)}`,
          `expected the rejection '${message}' not to match ${String(expected)}`,
          expected,
          message,
        );
      },
  );
});

/** vitest's `expect`. */
export const expect = chai.expect as unknown as ExpectStatic;
/** The part of `vi` the suite uses. */
export const vi = { fn, spyOn };

type Hook = () => unknown;
type Body = (...args: never[]) => unknown;

interface Block {
  name: string;
  tests: { name: string; body: Body }[];
  children: Block[];
  beforeAll: Hook[];
  afterAll: Hook[];
  beforeEach: Hook[];
  afterEach: Hook[];
}

const newBlock = (name: string): Block => ({
  name,
  tests: [],
  children: [],
  beforeAll: [],
  afterAll: [],
  beforeEach: [],
  afterEach: [],
});

const root = newBlock('');
let current = root;

/** Registers a block of tests. */
export function describe(name: string, body: () => void): void {
  const block = newBlock(name);
  current.children.push(block);
  const outer = current;
  current = block;
  try {
    body();
  } finally {
    current = outer;
  }
}

/** Registers a test (a timeout argument is accepted and ignored: the page has one deadline). */
export function test(name: string, body: Body, _timeout?: number): void {
  current.tests.push({ name, body });
}

/** vitest's printf-style titles, as far as the suite uses them (`%s`, `%d`, `%i`). */
function title(template: string, args: readonly unknown[]): string {
  let i = 0;
  return template.replace(/%[sdi]/g, () => String(args[i++]));
}

test.each =
  <T extends readonly unknown[]>(rows: readonly T[]) =>
  (name: string, body: (...args: T) => unknown, timeout?: number): void => {
    for (const row of rows) test(title(name, row), () => body(...row), timeout);
  };
test.skipIf = (skip: boolean) => (skip ? () => {} : test);

/** Same as `test`. */
export const it = test;

/** Hooks of the current block. */
export const beforeAll = (h: Hook): void => void current.beforeAll.push(h);
export const afterAll = (h: Hook): void => void current.afterAll.push(h);
export const beforeEach = (h: Hook): void => void current.beforeEach.push(h);
export const afterEach = (h: Hook): void => void current.afterEach.push(h);

/** What a run found. */
export interface RunResult {
  /** Tests the filter selected. */
  selected: number;
  passed: number;
  failed: { name: string; error: string }[];
}

/**
 * Runs the collected tests whose full name (block names and test name joined by ' > ') `include` accepts,
 * with the hooks of their blocks (a block's beforeAll/afterAll only when it has a selected test).
 */
export async function runCollected(include: (fullName: string) => boolean): Promise<RunResult> {
  const result: RunResult = { selected: 0, passed: 0, failed: [] };
  const selected = (b: Block, path: string): boolean =>
    b.tests.some((t) => include(`${path}${t.name}`)) || b.children.some((c) => selected(c, `${path}${c.name} > `));
  const run = async (b: Block, path: string, each: Block[]): Promise<void> => {
    if (!selected(b, path)) return;
    for (const h of b.beforeAll) await h();
    const chain = [...each, b];
    for (const t of b.tests) {
      const name = `${path}${t.name}`;
      if (!include(name)) continue;
      result.selected++;
      try {
        for (const blk of chain) for (const h of blk.beforeEach) await h();
        await (t.body as () => unknown)();
        for (const blk of [...chain].reverse()) for (const h of blk.afterEach) await h();
        result.passed++;
      } catch (e) {
        result.failed.push({ name, error: e instanceof Error ? e.message : String(e) });
      }
    }
    for (const c of b.children) await run(c, `${path}${c.name} > `, chain);
    for (const h of b.afterAll) await h();
  };
  await run(root, '', []);
  return result;
}
