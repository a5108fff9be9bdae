/**
 * The allocator of tensor storage in wasm linear memory (above the Rust stack and statics). Requests are
 * rounded up to a size class (16-byte multiples below 1 KiB, then 8 per power of two: <= 12.5% waste).
 *
 * A freed block first goes to its class's quick list (a stack), which serves the next request of that class
 * at once: a training loop allocates the same sizes every step, so its steady state is a push and a pop.
 * Before memory would grow (or an allocation fail), every quick block is merged into the coalesced free
 * blocks: a block merges with free neighbours on both sides, and a free block that reaches the top lowers
 * the top, so freeing everything leaves one contiguous free region whatever the order of frees. Coalesced
 * blocks sit in one bin per size class (blocks from its class up to the next one); a bitmap finds the first
 * non-empty bin that fits, and a split keeps the rest free. Memory grows only when nothing fits after
 * merging. The block table lives here in TypeScript: linear memory holds tensor data only. Growing detaches
 * the old ArrayBuffer: see heap.ts for how views follow.
 */
import { BackendError, OutOfMemoryError } from '@cp/core';

const ALIGN = 16;
const PAGE = 65536;
/** Bins: 64 exact classes up to 1 KiB, then 8 per power of two up to 2^32. */
const BINS = 64 + 22 * 8;
/** The largest block: all of wasm32's memory. */
const MAX_BLOCK = 2 ** 32;

/** Thrown when an allocation does not fit under the memory limit, or the host refuses to grow memory. */
export class WasmOutOfMemoryError extends OutOfMemoryError {
  override name = 'WasmOutOfMemoryError';
}

/** The size class (block size in bytes) that serves a request of `bytes`. */
export function sizeClass(bytes: number): number {
  const s = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (s <= 1024) return s;
  // Beyond wasm32's 4 GiB nothing fits: the exact size is as good as any class.
  if (s > MAX_BLOCK) return s;
  // NOTE: in units of 16 bytes the size is < 2^28, so the bit arithmetic below is exact.
  const t = s / ALIGN;
  const step = 1 << (28 - Math.clz32(t - 1));
  return Math.ceil(t / step) * step * ALIGN;
}

/** The bin of a block of `size` bytes (a multiple of 16, <= 4 GiB): the largest size class <= size. */
function binOf(size: number): number {
  if (size <= 1024) return size / ALIGN - 1;
  const t = size / ALIGN;
  const e = 31 - Math.clz32(t);
  return 15 + e * 8 + ((t >>> (e - 3)) & 7);
}

/** The size class whose bin is `bin` (the inverse of binOf on size classes). */
function classOfBin(bin: number): number {
  if (bin < 64) return (bin + 1) * ALIGN;
  const e = 10 + Math.floor((bin - 63) / 8);
  return 2 ** e + ((bin - 63) % 8) * 2 ** (e - 3);
}

/** A byte count in MiB, for error messages. */
const mib = (n: number): string => `${Number((n / 2 ** 20).toFixed(2))} MiB`;

/** What an allocator reports about itself (all in bytes). */
export interface AllocatorStats {
  /** Bytes of the blocks handed out and not yet released (block sizes, so >= the requests). */
  live: number;
  /** The largest block an allocation could get now: a free block, or the space between the top and the limit. */
  largestFree: number;
  /** Bytes of the free blocks below the top. */
  freeBelowTop: number;
  /** The end of the highest block: everything above it up to the limit is free. */
  top: number;
}

/** A coalescing allocator over one WebAssembly.Memory, from `base` up to `limit` bytes. */
export class Allocator {
  /** Size of each live block, by start. */
  private readonly live = new Map<number, number>();
  /** Freed blocks not yet merged, one stack per size class (indexed by bin); `quickBytes` is their total. */
  private readonly quick: number[][] = Array.from({ length: BINS }, () => []);
  private quickBytes = 0;
  /** Size of each free block, by start. */
  private readonly freeStart = new Map<number, number>();
  /** Start of each free block, by end: finds the left neighbour of a freed block. */
  private readonly freeEnd = new Map<number, number>();
  /** Free block starts of each bin, and each block's index in its bin (for O(1) removal). */
  private readonly bins: number[][] = Array.from({ length: BINS }, () => []);
  private readonly slot = new Map<number, number>();
  /** Bit b of word b >> 5 is set when bin b is not empty. */
  private readonly nonEmpty = new Uint32Array(Math.ceil(BINS / 32));
  private top: number;
  private liveBlockBytes = 0;
  private freeBytes = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    /** Upper bound on the memory size in bytes. */
    readonly limit: number,
  ) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }

  /** Bytes in blocks handed out and not yet freed (block sizes). */
  get liveBytes(): number {
    return this.liveBlockBytes;
  }

  /** Live bytes, the largest free block, free bytes below the top, and the top (after merging freed blocks). */
  stats(): AllocatorStats {
    this.consolidate();
    let largest = Math.max(0, this.limit - this.top);
    for (const size of this.freeStart.values()) largest = Math.max(largest, size);
    return { live: this.liveBlockBytes, largestFree: largest, freeBelowTop: this.freeBytes, top: this.top };
  }

  /**
   * Returns the byte offset of a block of at least `bytes` (> 0) bytes; `what` names the request in the
   * out-of-memory error (e.g. "1000 float32").
   */
  alloc(bytes: number, what = 'a block'): number {
    const cls = sizeClass(bytes);
    if (cls > this.limit) throw this.outOfMemory(bytes, what);
    const quick = this.quick[binOf(cls)];
    if (quick.length > 0) {
      const ptr = quick.pop()!;
      this.quickBytes -= cls;
      this.live.set(ptr, cls);
      this.liveBlockBytes += cls;
      return ptr;
    }
    let ptr = this.takeFree(cls) ?? this.bump(cls, false);
    if (ptr === undefined && this.quickBytes > 0) {
      this.consolidate();
      ptr = this.takeFree(cls);
    }
    ptr ??= this.bump(cls, true);
    if (ptr === undefined) throw this.outOfMemory(bytes, what);
    return ptr;
  }

  /** Returns a block to its class's quick list. Throws on a pointer that is not a live block. */
  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new BackendError(`wasm backend: free of a block that is not live (${ptr})`);
    this.live.delete(ptr);
    this.liveBlockBytes -= size;
    this.quick[binOf(size)].push(ptr);
    this.quickBytes += size;
  }

  /** Merges every quick block into the coalesced free blocks (each block is merged once, so O(1) amortized). */
  private consolidate(): void {
    if (this.quickBytes === 0) return;
    for (let bin = 0; bin < BINS; bin++) {
      const list = this.quick[bin];
      if (list.length === 0) continue;
      // NOTE: every block of a quick list has its class's exact size (a live block's size is its class).
      const size = classOfBin(bin);
      for (const ptr of list) this.merge(ptr, size);
      list.length = 0;
    }
    this.quickBytes = 0;
  }

  /** Makes [ptr, ptr + size) free, merged with its free neighbours (or absorbed by the top). */
  private merge(ptr: number, size: number): void {
    let start = ptr;
    let end = ptr + size;
    const left = this.freeEnd.get(start);
    if (left !== undefined) {
      this.unlinkFree(left);
      start = left;
    }
    const right = this.freeStart.get(end);
    if (right !== undefined) {
      this.unlinkFree(end);
      end += right;
    }
    // NOTE: no free block ever touches the top (it would have lowered it), so this keeps that true.
    if (end === this.top) this.top = start;
    else this.linkFree(start, end - start);
  }

  /** The first free block in a bin that fits `cls`, split when the rest is worth keeping. */
  private takeFree(cls: number): number | undefined {
    const bin = this.firstBinFrom(binOf(cls));
    if (bin < 0) return undefined;
    const list = this.bins[bin];
    const ptr = list[list.length - 1];
    const size = this.freeStart.get(ptr)!;
    this.unlinkFree(ptr);
    // Every block in bin(cls) or above is >= cls; keep the remainder free (it is a multiple of 16).
    if (size > cls) this.linkFree(ptr + cls, size - cls);
    this.live.set(ptr, cls);
    this.liveBlockBytes += cls;
    return ptr;
  }

  /** Carves a new block at the top, growing memory when needed and `grow`; undefined if it does not fit. */
  private bump(cls: number, grow: boolean): number | undefined {
    const end = this.top + cls;
    if (end > this.limit) return undefined;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      if (!grow) return undefined;
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
    this.live.set(ptr, cls);
    this.liveBlockBytes += cls;
    return ptr;
  }

  /** The lowest non-empty bin >= `from`, or -1. */
  private firstBinFrom(from: number): number {
    for (let w = from >>> 5; w < this.nonEmpty.length; w++) {
      const bits = w === from >>> 5 ? this.nonEmpty[w] & (~0 << (from & 31)) : this.nonEmpty[w];
      if (bits !== 0) return w * 32 + (31 - Math.clz32(bits & -bits));
    }
    return -1;
  }

  private linkFree(start: number, size: number): void {
    const bin = binOf(size);
    const list = this.bins[bin];
    this.slot.set(start, list.length);
    list.push(start);
    this.nonEmpty[bin >>> 5] |= 1 << (bin & 31);
    this.freeStart.set(start, size);
    this.freeEnd.set(start + size, start);
    this.freeBytes += size;
  }

  private unlinkFree(start: number): void {
    const size = this.freeStart.get(start)!;
    const bin = binOf(size);
    const list = this.bins[bin];
    const i = this.slot.get(start)!;
    const last = list.pop()!;
    if (last !== start) {
      list[i] = last;
      this.slot.set(last, i);
    }
    if (list.length === 0) this.nonEmpty[bin >>> 5] &= ~(1 << (bin & 31));
    this.slot.delete(start);
    this.freeStart.delete(start);
    this.freeEnd.delete(start + size);
    this.freeBytes -= size;
  }

  private outOfMemory(bytes: number, what: string): WasmOutOfMemoryError {
    const s = this.stats();
    const host =
      sizeClass(bytes) <= s.largestFree
        ? ` The host refused to grow linear memory beyond ${this.memory.buffer.byteLength} bytes.`
        : '';
    return new WasmOutOfMemoryError(
      `wasm backend: out of memory allocating ${bytes} bytes (live ${s.live} bytes, limit ${this.limit}) for ${what}: ` +
        `the largest free block is ${s.largestFree} bytes (request ${mib(bytes)}, live ${mib(s.live)}, ` +
        `largest free ${mib(s.largestFree)}, limit ${mib(this.limit)}).${host} Dispose tensors you no longer ` +
        'need (dispose(), or run temporary work inside tidy(); wrap code that needs no gradients in noGrad()), ' +
        'or raise the limit with createWasmBackend({ maxMemoryBytes }).',
    );
  }
}
