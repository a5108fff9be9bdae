/**
 * TensorFlow.js 4.22 on its cpu or wasm backend, written as its users would: tfjs-core's functional ops
 * (chained methods need a side-effect import), tensors created once, `tf.tidy` around each step,
 * `tf.variable`s and `optimizer.minimize`; the LSTM step uses tfjs-layers' `tf.layers.lstm` (the layer a TF.js
 * user reaches for), still trained through `optimizer.minimize`. The CNN is NHWC, TF.js's native layout.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { CNN, LSTM, MLP, oneHot, VIT } from '../data.mjs';
import { NotAvailable } from './common.mjs';
import { registerAllGradients, registerChainedOps } from './tfjs-gradients.mjs';

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
      cnn: 'the same step with tf.conv2d (NHWC, valid), tf.relu, tf.maxPool(2, 2) twice and a dense layer',
      lstm: 'the same step through a tfjs-layers model: tf.layers.lstm(128, recurrentActivation sigmoid) then tf.layers.dense(10), model.apply(x, {training: true})',
      vit: 'the same step with the transformer written in tfjs-core ops (matMul, softmax, moments for LayerNorm)',
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

    cnn(x, labels) {
      // NOTE: tfjs-backend-wasm 4.22 registers Conv2D and Conv2DBackpropInput but not Conv2DBackpropFilter, the
      // weight gradient: a CNN cannot train there. Said up front rather than as a kernel error mid-step.
      if (!tf.getKernel('Conv2DBackpropFilter', tf.getBackend()))
        throw new NotAvailable(`no Conv2DBackpropFilter kernel in TF.js ${tf.getBackend()}: conv weights cannot train`);
      const { batch, side, classes } = CNN;
      const conv1 = uniformVar([3, 3, 1, 16], 9);
      const cb1 = uniformVar([16], 9);
      const conv2 = uniformVar([3, 3, 16, 32], 144);
      const cb2 = uniformVar([32], 144);
      const wf = uniformVar([800, classes], 800);
      const bf = uniformVar([classes], 800);
      const X = tf.tensor4d(x, [batch, side, side, 1]);
      const Y = tf.tensor2d(oneHot(labels, classes), [batch, classes]);
      const optimizer = tf.train.adam(CNN.lr);
      const lossFn = () => {
        const h1 = tf.maxPool(tf.relu(tf.add(tf.conv2d(X, conv1, 1, 'valid'), cb1)), 2, 2, 'valid');
        const h2 = tf.maxPool(tf.relu(tf.add(tf.conv2d(h1, conv2, 1, 'valid'), cb2)), 2, 2, 'valid');
        const logits = tf.add(tf.matMul(tf.reshape(h2, [batch, 800]), wf), bf);
        return tf.losses.softmaxCrossEntropy(Y, logits);
      };
      return trainer(optimizer, lossFn, [conv1, cb1, conv2, cb2, wf, bf, X, Y]);
    },

    async lstm(x, labels) {
      await registerChainedOps();
      const layers = await import('@tensorflow/tfjs-layers');
      const { batch, steps, features, hidden, classes } = LSTM;
      // NOTE: tfjs-layers' LSTM defaults to recurrentActivation 'hardSigmoid' (old Keras); 'sigmoid' is PyTorch's cell.
      const model = layers.sequential({
        layers: [
          layers.layers.lstm({ units: hidden, inputShape: [steps, features], recurrentActivation: 'sigmoid' }),
          layers.layers.dense({ units: classes }),
        ],
      });
      const X = tf.tensor3d(x, [batch, steps, features]);
      const Y = tf.tensor2d(oneHot(labels, classes), [batch, classes]);
      const optimizer = tf.train.adam(LSTM.lr);
      const lossFn = () => tf.losses.softmaxCrossEntropy(Y, model.apply(X, { training: true }));
      const t = trainer(optimizer, lossFn, [X, Y]);
      return {
        step: t.step,
        dispose: () => {
          t.dispose();
          model.dispose();
        },
      };
    },

    vit(x, labels) {
      const { batch, tokens, patch, dim, layers, heads, ff, classes } = VIT;
      const hd = dim / heads;
      const P = patch * patch;
      const dense = (fanIn, fanOut) => [uniformVar([fanIn, fanOut], fanIn), uniformVar([fanOut], fanIn)];
      const [we, be] = dense(P, dim);
      const pos = tf.variable(tf.randomNormal([tokens, dim], 0, 0.02));
      const blocks = Array.from({ length: layers }, () => ({
        qkv: dense(dim, 3 * dim),
        out: dense(dim, dim),
        ff1: dense(dim, ff),
        ff2: dense(ff, dim),
        ln1: [tf.variable(tf.ones([dim])), tf.variable(tf.zeros([dim]))],
        ln2: [tf.variable(tf.ones([dim])), tf.variable(tf.zeros([dim]))],
      }));
      const [wh, bh] = dense(dim, classes);
      const X = tf.tensor2d(x, [batch * tokens, P]);
      const Y = tf.tensor2d(oneHot(labels, classes), [batch, classes]);
      const optimizer = tf.train.adam(VIT.lr);
      const lin = (h, [w, b]) => tf.add(tf.matMul(h, w), b);
      const layerNorm = (h, [g, b]) => {
        const { mean, variance } = tf.moments(h, -1, true);
        return tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
      };
      // [B·T, dim] -> [B, heads, T, hd]
      const split = (h) => tf.transpose(tf.reshape(h, [batch, tokens, heads, hd]), [0, 2, 1, 3]);
      const lossFn = () => {
        let h = tf.reshape(tf.add(tf.reshape(lin(X, [we, be]), [batch, tokens, dim]), pos), [batch * tokens, dim]);
        for (const blk of blocks) {
          const [q, k, v] = tf.split(lin(h, blk.qkv), 3, 1).map(split);
          const weights = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)));
          const merged = tf.reshape(tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]), [batch * tokens, dim]);
          h = layerNorm(tf.add(h, lin(merged, blk.out)), blk.ln1);
          h = layerNorm(tf.add(h, lin(tf.relu(lin(h, blk.ff1)), blk.ff2)), blk.ln2);
        }
        const pooled = tf.mean(tf.reshape(h, [batch, tokens, dim]), 1);
        return tf.losses.softmaxCrossEntropy(Y, lin(pooled, [wh, bh]));
      };
      const vars = [we, be, pos, wh, bh, ...blocks.flatMap((b) => [b.qkv, b.out, b.ff1, b.ff2, b.ln1, b.ln2].flat())];
      return trainer(optimizer, lossFn, [...vars, X, Y]);
    },
  };

  /** A variable uniform in ±1/sqrt(fanIn), torch's default for Linear and Conv2d. */
  function uniformVar(shape, fanIn) {
    const s = 1 / Math.sqrt(fanIn);
    return tf.variable(tf.randomUniform(shape, -s, s));
  }

  /** One `optimizer.minimize` step per call, the loss read back; `dispose` frees `tensors` and the optimizer. */
  function trainer(optimizer, lossFn, tensors) {
    return {
      step: () => tf.tidy(() => optimizer.minimize(lossFn, true).dataSync()[0]),
      dispose: () => {
        tf.dispose(tensors);
        optimizer.dispose();
      },
    };
  }
}
