/**
 * The allocator of tensor storage in wasm linear memory (above the Rust stack and statics). Blocks are
 * 16-byte aligned and rounded up to a size class (exact below 1 KiB, then 8 per power of two, <= 12.5% waste); freed
 * blocks go to their class's free list and are reused first, so a training loop reaches a steady state and
 * stops growing memory. Growing detaches the old ArrayBuffer: see heap.ts for how views follow.
 */

const ALIGN = 16;
const PAGE = 65536;

/** Thrown when an allocation would exceed the memory limit or the host refuses to grow memory. */
export class WasmOutOfMemoryError extends Error {
  constructor(bytes: number, live: number, limit: number) {
    super(`wasm backend: out of memory allocating ${bytes} bytes (live ${live} bytes, limit ${limit})`);
    this.name = 'WasmOutOfMemoryError';
  }
}

/** The size class (block size in bytes) that serves a request of `bytes`. */
export function sizeClass(bytes: number): number {
  const s = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (s <= 1024) return s;
  const step = 2 ** (Math.ceil(Math.log2(s)) - 4);
  return Math.ceil(s / step) * step;
}

/** A size-class allocator over one WebAssembly.Memory, from `base` up to `limit` bytes. */
export class Allocator {
  private readonly free = new Map<number, number[]>();
  private readonly blocks = new Map<number, number>();
  private readonly freeSet = new Set<number>();
  private top: number;
  private liveBlockBytes = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    /** Upper bound on the memory size in bytes. */
    readonly limit: number,
  ) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }

  /** Bytes in blocks handed out and not yet freed (class sizes). */
  get liveBytes(): number {
    return this.liveBlockBytes;
  }

  /** Returns the byte offset of a fresh block of at least `bytes` (> 0) bytes. */
  alloc(bytes: number): number {
    const cls = sizeClass(bytes);
    const ptr = this.free.get(cls)?.pop() ?? this.bump(cls) ?? this.takeLarger(cls);
    if (ptr === undefined) throw new WasmOutOfMemoryError(bytes, this.liveBlockBytes, this.limit);
    this.freeSet.delete(ptr);
    this.liveBlockBytes += this.blocks.get(ptr) ?? cls;
    return ptr;
  }

  /** Returns a block to its free list. Throws on a pointer that is not a live block. */
  release(ptr: number): void {
    const cls = this.blocks.get(ptr);
    if (cls === undefined || this.freeSet.has(ptr))
      throw new Error(`wasm backend: free of a block that is not live (${ptr})`);
    this.liveBlockBytes -= cls;
    let list = this.free.get(cls);
    if (list === undefined) {
      list = [];
      this.free.set(cls, list);
    }
    list.push(ptr);
    this.freeSet.add(ptr);
  }

  /** Carves a new block at the top, growing memory when needed; undefined if over the limit. */
  private bump(cls: number): number | undefined {
    const end = this.top + cls;
    if (end > this.limit) return undefined;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow by at least 1/4 of the current size so that a growing working set costs few detaches.
      const want = Math.min(Math.max(end, have + have / 4), this.limit);
      try {
        this.memory.grow(Math.ceil((want - have) / PAGE));
      } catch {
        try {
          this.memory.grow(Math.ceil((end - have) / PAGE));
        } catch {
          return undefined;
        }
      }
    }
    const ptr = this.top;
    this.top = end;
    this.blocks.set(ptr, cls);
    return ptr;
  }

  /** Last resort when memory is full: the smallest free block of a larger class. */
  private takeLarger(cls: number): number | undefined {
    let best: number | undefined;
    for (const [size, list] of this.free)
      if (size > cls && list.length > 0 && (best === undefined || size < best)) best = size;
    return best === undefined ? undefined : this.free.get(best)!.pop();
  }
}
