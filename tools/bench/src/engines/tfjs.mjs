/**
 * TensorFlow.js 4.22 (tfjs-core, no tfjs-layers) on its cpu or wasm backend, written as its users would:
 * tfjs-core's functional ops (chained methods need a side-effect import), tensors created once, `tf.tidy` around each step, `tf.variable`s and `optimizer.minimize`.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { MLP, oneHot } from '../data.mjs';
import { NotAvailable } from './common.mjs';
import { registerAllGradients } from './tfjs-gradients.mjs';

const require = createRequire(import.meta.url);

/** @param {'cpu' | 'wasm'} variant */
export async function load(variant) {
  const tf = await import('@tensorflow/tfjs-core');
  // tfjs-core's Node entry registers no gradients (the @tensorflow/tfjs bundle does): see tfjs-gradients.mjs.
  await registerAllGradients();
  let wasm = null;
  if (variant === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
  } else if (variant === 'wasm') {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The .wasm binaries ship in the package's dist/; in Node a plain directory path (with the trailing
    // slash) is what its emscripten loader reads with fs.
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(`${dist}/`);
    wasm.setThreadsCount(1);
  } else {
    throw new Error(`tfjs: unknown backend variant '${variant}'`);
  }
  if (!(await tf.setBackend(variant))) throw new NotAvailable(`tf.setBackend('${variant}') returned false`);
  await tf.ready();
  tf.enableProdMode();
  const env = tf.env();
  const config = wasm
    ? `, threads=${wasm.getThreadsCount()}, simd=${env.getBool('WASM_HAS_SIMD_SUPPORT')}, multithread=${env.getBool('WASM_HAS_MULTITHREAD_SUPPORT')}`
    : '';

  return {
    info: `@tensorflow/tfjs-core ${tf.version_core} on ${tf.getBackend()}${config}, prod mode`,
    timed: {
      matmul: 'tf.matMul(A, B), then dataSync() of the whole result, then dispose()',
      elementwise: 'tf.tidy(() => tf.relu(tf.add(tf.mul(a, b), c))) (kernels run synchronously in the call)',
      mlp: 'tf.tidy(() => optimizer.minimize(() => tf.losses.softmaxCrossEntropy(onehot, logits), true).dataSync()[0]), Adam',
    },

    matmul(a, b, n) {
      const A = tf.tensor2d(a, [n, n]);
      const B = tf.tensor2d(b, [n, n]);
      const once = () => {
        const C = tf.matMul(A, B);
        const out = C.dataSync();
        C.dispose();
        return out;
      };
      return { run: once, read: once, dispose: () => tf.dispose([A, B]) };
    },

    elementwise(a, b, c) {
      const A = tf.tensor1d(a);
      const B = tf.tensor1d(b);
      const C = tf.tensor1d(c);
      return {
        run: () =>
          tf.tidy(() => {
            tf.relu(tf.add(tf.mul(A, B), C));
          }),
        read: () => tf.tidy(() => tf.relu(tf.add(tf.mul(A, B), C)).dataSync()),
        dispose: () => tf.dispose([A, B, C]),
      };
    },

    mlp(x, labels, constraint) {
      if (constraint) throw new NotAvailable('constraints are measured for cp only');
      const [d0, d1, d2, d3] = MLP.sizes;
      // Same init as torch.nn.Linear: U(±1/sqrt(fanIn)) for weights and biases.
      const dense = (fanIn, fanOut) => {
        const s = 1 / Math.sqrt(fanIn);
        return [tf.variable(tf.randomUniform([fanIn, fanOut], -s, s)), tf.variable(tf.randomUniform([fanOut], -s, s))];
      };
      const [w1, b1] = dense(d0, d1);
      const [w2, b2] = dense(d1, d2);
      const [w3, b3] = dense(d2, d3);
      const X = tf.tensor2d(x, [MLP.batch, d0]);
      const Y = tf.tensor2d(oneHot(labels, d3), [MLP.batch, d3]);
      const optimizer = tf.train.adam(MLP.lr);
      const lossFn = () => {
        const h1 = tf.relu(tf.add(tf.matMul(X, w1), b1));
        const h2 = tf.relu(tf.add(tf.matMul(h1, w2), b2));
        const logits = tf.add(tf.matMul(h2, w3), b3);
        return tf.losses.softmaxCrossEntropy(Y, logits);
      };
      return {
        step: () => tf.tidy(() => optimizer.minimize(lossFn, true).dataSync()[0]),
        dispose: () => {
          tf.dispose([w1, b1, w2, b2, w3, b3, X, Y]);
          optimizer.dispose();
        },
      };
    },
  };
}
