/**
 * The worker side of the pool, as JavaScript source (run by `new Worker(src, { eval: true })` in Node and
 * from a Blob URL in browsers, so no bundler has to find a second entry file), and the layout of the
 * control block it shares with the main thread.
 *
 * Protocol: the main thread writes a job (task function, arguments, number of tasks), resets DONE, opens
 * CLAIM for the new generation and bumps GEN. Each thread, the main one included, claims task indices
 * with a compare-exchange on CLAIM, which holds `generation << 16 | next index`, so a worker that wakes
 * late for an old job can never claim a task of the new one (its generation no longer matches). A thread
 * adds the tasks it ran to DONE; the one that completes the job notifies the main thread. A task that
 * throws (a trap) still counts as done and sets ERR, so the main thread never waits for it.
 */

/** Int32 slots of the control block. */
export const CTRL = {
  /** Job generation (16 bits); workers sleep on it. */
  GEN: 0,
  /** `generation << 16 | next task index`. */
  CLAIM: 1,
  /** Tasks finished in the current job. */
  DONE: 2,
  /** Tasks in the current job. */
  TASKS: 3,
  /** Index of the task function (in TASK_FUNCTIONS). */
  FN: 4,
  /** Number of float64 arguments. */
  NARGS: 5,
  /** Set to 1 to make the workers return. */
  STOP: 6,
  /** 0, or 1 + the index of the first thread whose task threw (0 = the main thread). */
  ERR: 7,
  /** Workers that have set themselves up and are waiting for jobs. */
  READY: 8,
  /** Tasks run by workers since the start (diagnostics: shows that the workers take part). */
  WORKER_TASKS: 9,
} as const;

/** Byte offset of the float64 arguments in the control block, and their maximum count. */
export const ARGS_OFFSET = 64;
export const MAX_ARGS = 24;
/** Bytes of the control block. */
export const CTRL_BYTES = ARGS_OFFSET + 8 * MAX_ARGS;
/** Polls of the control block before a waiting thread sleeps (some tens of microseconds). */
export const SPIN = 20000;
/** At most this many tasks per job (the index has 16 bits of CLAIM). */
export const MAX_TASKS = 0xffff;

/** The worker's program. It receives one init message, then serves jobs until STOP. */
export const workerSource = `'use strict';
const isNode = typeof process === 'object' && typeof process.versions === 'object' && !!process.versions.node;
// NOTE: import(), not require: Node evaluates this as CommonJS or as a module (a parent run with
// --input-type=module passes that on), and import() works in both.
const onFirst = (fn) => isNode
  ? import('node:worker_threads').then((m) => m.parentPort.once('message', fn))
  : (self.onmessage = (e) => { self.onmessage = null; fn(e.data); });
onFirst((init) => {
  const inst = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
  const k = inst.exports;
  // NOTE: globals are per instance: this worker gets its own stack (growing down from stackTop) and TLS.
  k.__stack_pointer.value = init.stackTop;
  k.__wasm_init_tls(init.tls);
  k.cp_thread_init(init.block);
  const fns = init.names.map((n) => k[n]);
  const ctrl = new Int32Array(init.memory.buffer, init.ctrl, ${CTRL_BYTES / 4});
  const args = new Float64Array(init.memory.buffer, init.ctrl + ${ARGS_OFFSET}, ${MAX_ARGS});
  Atomics.add(ctrl, ${CTRL.READY}, 1);
  let seen = Atomics.load(ctrl, ${CTRL.GEN});
  for (;;) {
    // NOTE: spin a little before sleeping: jobs come in bursts (one per op of a training step), and waking
    // from Atomics.wait costs tens of microseconds on a busy machine, as long as a small job itself.
    for (let i = 0; i < ${SPIN} && Atomics.load(ctrl, ${CTRL.GEN}) === seen; i++);
    Atomics.wait(ctrl, ${CTRL.GEN}, seen);
    if (Atomics.load(ctrl, ${CTRL.STOP}) !== 0) break;
    const gen = Atomics.load(ctrl, ${CTRL.GEN});
    seen = gen;
    const n = ctrl[${CTRL.TASKS}];
    const fn = fns[ctrl[${CTRL.FN}]];
    const a = Array.from(args.subarray(0, ctrl[${CTRL.NARGS}]));
    a.push(0);
    const last = a.length - 1;
    let ran = 0;
    for (;;) {
      const v = Atomics.load(ctrl, ${CTRL.CLAIM});
      if (v >>> 16 !== gen || (v & 0xffff) >= n) break;
      if (Atomics.compareExchange(ctrl, ${CTRL.CLAIM}, v, v + 1) !== v) continue;
      a[last] = v & 0xffff;
      try { fn.apply(null, a); } catch { Atomics.compareExchange(ctrl, ${CTRL.ERR}, 0, init.index + 1); }
      ran++;
    }
    if (ran === 0) continue;
    Atomics.add(ctrl, ${CTRL.WORKER_TASKS}, ran);
    if (Atomics.add(ctrl, ${CTRL.DONE}, ran) + ran === n) Atomics.notify(ctrl, ${CTRL.DONE});
  }
});
`;
