import { createJsBackend } from '@cp/backend-js';
import * as cp from '@cp/core';
import { test } from 'vitest';
import { createWasmBackend } from '../src/index.js';

const tryit = (name: string, f: () => unknown) => {
  try {
    const r = f();
    console.log(
      name,
      '=>',
      JSON.stringify(r instanceof cp.Tensor ? { shape: r.shape, dtype: r.dtype, v: r.toArray() } : r),
    );
  } catch (e) {
    console.log(name, 'THROWS', (e as Error).constructor.name, (e as Error).message.slice(0, 150));
  }
};
for (const [name, mk] of [
  ['js', createJsBackend],
  ['wasm', createWasmBackend],
] as const) {
  test(name, async () => {
    cp.setBackendSync(await (mk as () => Promise<cp.Backend> | cp.Backend)());
    tryit('bool', () => cp.tensor([1, -2, 0, 3, 0.5, 256, NaN], { dtype: 'bool' }).dataSync());
    tryit('bool sum', () => cp.tensor([1, -2, 0, 3], { dtype: 'bool' }).sum());
    tryit('bool where', () => cp.where(cp.tensor([2, 254, 3], { dtype: 'bool' }), 1000, 7));
    tryit('u8 bool', () => cp.tensor(new Uint8Array([254, 0, 1]), { dtype: 'bool' }).dataSync());
    tryit('u8 nodtype', () => cp.tensor(new Uint8Array([254, 0, 1])).dataSync());
    tryit('int32 nested', () => cp.tensor([2 ** 31], { dtype: 'int32' }));
    tryit('int32 typed', () => cp.tensor(new Float32Array([2 ** 31]), { dtype: 'int32' }));
    tryit('full int32', () => cp.full([1], 2 ** 31, { dtype: 'int32' }));
    tryit('shape wrong', () => cp.tensor([1], { shape: [1, 2] }));
    tryit('shape neg', () => cp.tensor([1, 2, 3, 4], { shape: [-2, -2] }));
    tryit('shape frac', () => cp.tensor([1, 2], { shape: [0.5, 4] }));
    tryit('expand bad', () => cp.tensor(1).expand([2.5]));
    tryit('broadcastTo bad', () => cp.tensor(1).broadcastTo([0.5, 4]));
    tryit('broadcastTo neg', () => cp.tensor(1).broadcastTo([-3]));
    tryit('pow0 grad', () => {
      const x = cp.tensor([0, 1], { requiresGrad: true });
      x.pow(0).sum().backward();
      return x.grad!.toArray();
    });
    tryit('clamp', () => cp.ones([2]).clamp());
    tryit('int64', () => cp.zeros([2], { dtype: 'int64' as cp.DType }));
    tryit('add after', () => cp.tensor([1, 2]).add(cp.tensor([3, 4])));
    tryit('to f64', () => cp.ones([2]).to('float64' as cp.DType));
    tryit('cat0d', () => cp.cat([cp.tensor(1), cp.tensor(2)]));
    tryit('slice frac', () => cp.arange(5).slice(0, 0.5, 2.5));
    tryit('narrow frac', () => cp.arange(5).narrow(0, 0.5, 2));
    tryit('split frac', () => cp.arange(5).split([2.5, 2.5]));
    tryit('randint', () => cp.randint(0, 2 ** 40, [3]));
    tryit('full a', () => cp.full([2], 'a' as unknown as number));
    tryit('arange nan', () => cp.arange(NaN));
    tryit('f64arr', () => cp.tensor(new Float64Array([1.5, 2])));
    tryit('u16arr', () => cp.tensor(new Uint16Array([300, 2]) as unknown as Uint8Array));
    tryit('i8arr', () => cp.tensor(new Int8Array([-3, 2]) as unknown as Uint8Array));
    tryit('bool256', () => cp.tensor([256], { dtype: 'bool' }).dataSync());
    tryit('sum str', () => cp.ones([2]).sum('1' as unknown as number));
    tryit('add null', () => cp.ones([2]).add(null as unknown as number));
    tryit('zeros 5', () => cp.zeros(5 as unknown as number[]));
    tryit('rand -1', () => cp.rand([-1]));
    tryit('where f32', () => cp.where(cp.tensor([1, 0], { dtype: 'bool' }), 0.1, 0.3));
  });
}
