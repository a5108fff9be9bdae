/**
 * Typed-array views of wasm linear memory. `memory.grow` detaches the old ArrayBuffer, so every view is
 * taken through this class, which re-derives them when `memory.buffer` has changed. Views are never held
 * across an allocation or kernel call by the rest of the backend.
 */
import type { DType, TypedArray } from '@cp/core/backend';

/** Cached views of one WebAssembly.Memory. */
export class Heap {
  private buffer: ArrayBuffer | null = null;
  private f32View = new Float32Array(0);
  private i32View = new Int32Array(0);
  private u8View = new Uint8Array(0);

  constructor(private readonly memory: WebAssembly.Memory) {}

  private refresh(): void {
    const buf = this.memory.buffer;
    if (buf === this.buffer) return;
    this.buffer = buf;
    this.f32View = new Float32Array(buf);
    this.i32View = new Int32Array(buf);
    this.u8View = new Uint8Array(buf);
  }

  /** The whole memory as float32. */
  get f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  /** The whole memory as int32. */
  get i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }

  /** The whole memory as bytes. */
  get u8(): Uint8Array {
    this.refresh();
    return this.u8View;
  }

  /** A live view of `size` elements of `dtype` at byte offset `ptr` (valid until the next allocation). */
  view(dtype: DType, ptr: number, size: number): TypedArray {
    switch (dtype) {
      case 'float32':
        return this.f32.subarray(ptr >>> 2, (ptr >>> 2) + size);
      case 'int32':
        return this.i32.subarray(ptr >>> 2, (ptr >>> 2) + size);
      case 'bool':
        return this.u8.subarray(ptr, ptr + size);
    }
  }
}
