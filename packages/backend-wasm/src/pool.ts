/**
 * The worker pool of the threaded wasm backend: `threads - 1` workers (node:worker_threads or Web Workers)
 * that instantiate the same shared-memory module and serve jobs split into tasks (see worker-source.ts for
 * the protocol). The main thread posts a job, runs tasks itself, and waits until all are done, so a worker
 * that is not ready (or sits in the run queue) only makes a job slower, never stuck.
 *
 * `start()` is awaited when the backend is created. NOTE: it cannot wait for the first op: neither Node nor
 * browsers bring a new worker up while the creating thread runs synchronous code, so workers spawned by
 * the first op of a synchronous training loop would stay idle until the loop ends. Workers are reused for
 * every job, are unref'd in Node (they never keep a process alive), and end with `dispose()`. A worker
 * that exits marks the pool broken: the next op throws a BackendError naming it. A job that makes no
 * progress for STALL_MS (a worker died holding a task) throws the same way instead of hanging.
 */
import { BackendError } from '@cp/core';
import type { Allocator } from './allocator.js';
import { ARGS_OFFSET, CTRL, CTRL_BYTES, MAX_ARGS, MAX_TASKS, SPIN, workerSource } from './worker-source.js';

/** The task exports a job can run, in the order both sides index them. */
export const TASK_FUNCTIONS = [
  'cp_unary_task',
  'cp_binary_scalar_task',
  'cp_binary_task',
  'cp_reduce_task',
  'cp_matmul_task',
  'cp_softmax_task',
  'cp_softmax_cross_entropy_task',
  'cp_sgd_task',
  'cp_adam_task',
  'cp_reduce_parts_task',
  'cp_gather_task',
  'cp_scatter_add_task',
  'cp_compare_task',
  'cp_where_task',
  'cp_arg_reduce_task',
  'cp_relu_backward_task',
  'cp_lstm_cell_task',
  'cp_lstm_cell_backward_task',
  'cp_copy_strided_task',
  'cp_fill32_task',
  'cp_syrk_task',
] as const;

/** A task export of the module. */
export type TaskFunction = (typeof TASK_FUNCTIONS)[number];

/** The least a worker handle must offer (a Node Worker or a Web Worker, adapted). */
export interface WorkerHandle {
  terminate(): void;
}

/** Starts one worker from `source`; `onExit` is called once if it exits or fails on its own. */
export type SpawnWorker = (source: string, init: WorkerInit, onExit: (why: string) => void) => WorkerHandle;

/** The message a worker starts from. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctrl: number;
  stackTop: number;
  tls: number;
  block: number;
  index: number;
  names: readonly string[];
}

/** What the pool needs from the instance it shares memory with. */
export interface PoolModule {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: Record<string, unknown>;
  allocator: Allocator;
}

/** Bytes of each worker's stack (the main thread's Rust stack has the same 1 MiB). */
const STACK_BYTES = 1 << 20;
/** A job with no finished task for this long is declared stuck. */
const STALL_MS = 20_000;
/** How long `start()` waits for the workers to come up before the backend runs without the late ones. */
const START_MS = 10_000;

/** A pool of `threads - 1` workers plus the calling thread. */
export class WorkerPool {
  private ctrl = new Int32Array(CTRL_BYTES / 4);
  private args = new Float64Array(MAX_ARGS);
  private readonly fns: ((...a: number[]) => void)[];
  private workers: WorkerHandle[] = [];
  private blocks: number[] = [];
  private gen = 0;
  private brokenBy: string | null = null;
  private disposed = false;
  /** Whether this thread may block in Atomics.wait (not a browser's main thread). */
  private canWait = false;

  constructor(
    private readonly m: PoolModule,
    /** Threads in all, the calling one included. */
    readonly threads: number,
    private readonly spawn: SpawnWorker,
  ) {
    this.fns = TASK_FUNCTIONS.map((n) => m.exports[n] as (...a: number[]) => void);
  }

  /** Workers that have started and wait for jobs. */
  get ready(): number {
    return Atomics.load(this.ctrl, CTRL.READY);
  }

  /** Tasks the workers have run so far. */
  get workerTasks(): number {
    return Atomics.load(this.ctrl, CTRL.WORKER_TASKS);
  }

  /** Throws if a worker has died; every op of a threaded backend calls it first. */
  check(op: string): void {
    if (this.brokenBy !== null) {
      throw new BackendError(
        `wasm backend: ${op}: ${this.brokenBy}; the threaded backend cannot continue, dispose it and create a new one`,
      );
    }
  }

  /**
   * Runs `tasks` tasks of `fn` (each gets `args` and its task index) on all threads and returns when
   * every task has finished.
   */
  run(op: string, fn: TaskFunction, args: readonly number[], tasks: number): void {
    this.check(op);
    if (tasks > MAX_TASKS || args.length >= MAX_ARGS) throw new BackendError(`wasm backend: ${op}: job too large`);
    const c = this.ctrl;
    this.gen = (this.gen + 1) & 0xffff;
    const g = this.gen;
    this.args.set(args);
    c[CTRL.FN] = TASK_FUNCTIONS.indexOf(fn);
    c[CTRL.NARGS] = args.length;
    c[CTRL.TASKS] = tasks;
    Atomics.store(c, CTRL.ERR, 0);
    Atomics.store(c, CTRL.DONE, 0);
    Atomics.store(c, CTRL.CLAIM, g << 16);
    Atomics.store(c, CTRL.GEN, g);
    Atomics.notify(c, CTRL.GEN);
    const f = this.fns[c[CTRL.FN]];
    const a = [...args, 0];
    let ran = 0;
    let threw: unknown = null;
    for (;;) {
      const v = Atomics.load(c, CTRL.CLAIM);
      if (v >>> 16 !== g || (v & 0xffff) >= tasks) break;
      if (Atomics.compareExchange(c, CTRL.CLAIM, v, v + 1) !== v) continue;
      a[a.length - 1] = v & 0xffff;
      try {
        f(...a);
      } catch (e) {
        threw ??= e;
      }
      ran++;
    }
    if (ran > 0) Atomics.add(c, CTRL.DONE, ran);
    this.await(op, tasks);
    // NOTE: closes the claims of this generation, so a worker that reads the next job's fields late cannot
    // take an index of this one.
    Atomics.store(c, CTRL.CLAIM, (g << 16) | 0xffff);
    if (threw !== null) throw new BackendError(`wasm backend: ${op} failed: ${String(threw)}`, { cause: threw });
    const err = Atomics.load(c, CTRL.ERR);
    if (err !== 0) throw new BackendError(`wasm backend: ${op} failed in worker ${err - 1} (a trap in the kernel)`);
  }

  /** Waits until DONE reaches `tasks`, throwing when it stops moving for STALL_MS. */
  private await(op: string, tasks: number): void {
    const c = this.ctrl;
    let last = Atomics.load(c, CTRL.DONE);
    let since = performance.now();
    for (let i = 0; i < SPIN && last < tasks; i++) last = Atomics.load(c, CTRL.DONE);
    while (last < tasks) {
      if (this.canWait) Atomics.wait(c, CTRL.DONE, last, 50);
      const now = Atomics.load(c, CTRL.DONE);
      const t = performance.now();
      if (now !== last) {
        last = now;
        since = t;
      } else if (t - since > STALL_MS) {
        this.brokenBy = `a worker made no progress on its part of ${op} for ${STALL_MS / 1000} s (it died or hangs)`;
        this.check(op);
      }
    }
  }

  /**
   * Allocates the control block and starts the workers, each with its own stack, TLS block and matmul
   * packing block in shared memory; resolves when all are ready (or START_MS passed, or one failed).
   */
  async start(): Promise<void> {
    this.spawnAll();
    const t0 = performance.now();
    while (this.ready < this.workers.length && this.brokenBy === null && performance.now() - t0 < START_MS) {
      await new Promise((r) => setTimeout(r, 2));
    }
    this.check('createWasmBackend');
  }

  private spawnAll(): void {
    const { allocator, exports: k, module, memory } = this.m;
    const base = allocator.alloc(CTRL_BYTES, 'the worker pool control block');
    this.blocks.push(base);
    new Uint8Array(memory.buffer, base, CTRL_BYTES).fill(0);
    this.ctrl = new Int32Array(memory.buffer, base, CTRL_BYTES / 4);
    this.args = new Float64Array(memory.buffer, base + ARGS_OFFSET, MAX_ARGS);
    this.canWait = canBlock(this.ctrl);
    const tlsSize = (k.__tls_size as WebAssembly.Global).value as number;
    const tlsAlign = Math.max(16, (k.__tls_align as WebAssembly.Global).value as number);
    const blockBytes = (k.cp_thread_block_bytes as () => number)();
    for (let i = 1; i < this.threads; i++) {
      const stack = allocator.alloc(STACK_BYTES, `worker ${i}'s stack`);
      const tls = allocator.alloc(Math.max(16, tlsSize + tlsAlign), `worker ${i}'s thread-local block`);
      const block = allocator.alloc(blockBytes, `worker ${i}'s matmul buffers`);
      this.blocks.push(stack, tls, block);
      const init: WorkerInit = {
        module,
        memory,
        ctrl: this.ctrl.byteOffset,
        stackTop: stack + STACK_BYTES,
        tls: Math.ceil(tls / tlsAlign) * tlsAlign,
        block,
        index: i,
        names: TASK_FUNCTIONS,
      };
      this.workers.push(
        this.spawn(workerSource, init, (why) => {
          if (!this.disposed) this.brokenBy ??= `worker ${i} of ${this.threads - 1} ${why}`;
        }),
      );
    }
  }

  /** Stops and terminates the workers and returns their memory. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.workers.length === 0) return;
    Atomics.store(this.ctrl, CTRL.STOP, 1);
    Atomics.add(this.ctrl, CTRL.GEN, 1);
    Atomics.notify(this.ctrl, CTRL.GEN);
    for (const w of this.workers) w.terminate();
    this.workers = [];
    for (const b of this.blocks) this.m.allocator.release(b);
    this.blocks = [];
  }
}

/** Whether Atomics.wait may block here (a browser's main thread throws). */
function canBlock(ctrl: Int32Array): boolean {
  try {
    Atomics.wait(ctrl, CTRL.STOP, 1, 0);
    return true;
  } catch {
    return false;
  }
}
