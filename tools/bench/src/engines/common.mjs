/**
 * What every engine adapter shares: the error that marks an engine or case as not available here (shown as
 * "n/a (...)" in the table rather than as a failure), and the contract each adapter implements.
 *
 * An adapter module exports `load(variant)` resolving to an Engine:
 * - `matmul(a, b, n)`, `elementwise(a, b, c)`: a Kernel, data already in the engine;
 * - `mlp(x, labels, constraint?)`: `{ step(): number | Promise<number>, dispose() }`, one training step that
 *   returns the loss read back as a number;
 * - `cnn(x, labels)` (optional): the same for the CNN step of `CNN` in data.mjs;
 * - `timed`: one sentence per case saying what the timed call does, for the README and the JSON output.
 */

/** An engine, or one of its cases, that cannot run here; `reason` goes into the table cell. */
export class NotAvailable extends Error {
  /** @param {string} reason */
  constructor(reason) {
    super(reason);
    this.name = 'NotAvailable';
  }
}

/**
 * @typedef {object} Kernel
 * @property {() => unknown} run the timed call (may return a promise, which is awaited)
 * @property {() => Float32Array | Promise<Float32Array>} read computes once more and returns the full result, for the check
 * @property {() => void} dispose frees the inputs
 */

/**
 * Imports a workspace package through its built dist/, turning "not built" into NotAvailable.
 * @param {string} name
 */
export async function importBuilt(name) {
  try {
    return await import(name);
  } catch (e) {
    if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      throw new NotAvailable(`not built: ${name} (${String(e.message).split('\n')[0]})`);
    }
    throw e;
  }
}
