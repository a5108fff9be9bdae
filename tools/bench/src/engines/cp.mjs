/**
 * cp on its JS or wasm backend, written as a cp user would: Tensor methods, `tidy`, nn.Sequential,
 * nn.functional.crossEntropy, optim.Adam, constraints.registerConstraint.
 */

import { CNN, LSTM, MLP, VIT } from '../data.mjs';
import { importBuilt, NotAvailable } from './common.mjs';

/** Built-in constraints of the constraints table, as factories over the `constraints` namespace. */
export const CONSTRAINTS = {
  maxNorm: (c) => c.maxNorm(2, { dim: 1 }),
  nonNeg: (c) => c.nonNeg(),
  clamp: (c) => c.clamp(-0.1, 0.1),
  unitNorm: (c) => c.unitNorm({ dim: 1 }),
  l2Ball: (c) => c.l2Ball(1),
  linfBall: (c) => c.linfBall(0.1),
  l1Ball: (c) => c.l1Ball(1, { dim: 1 }),
  simplex: (c) => c.simplex({ dim: 1 }),
  minMaxNorm: (c) => c.minMaxNorm(0.5, 2, { dim: 1 }),
  'positive (reparametrize)': (c) => c.positive(),
  orthogonal: (c) => c.orthogonal(),
};

/**
 * The step of a training case: `loss()` (the forward pass), then zeroGrad, backward, the optimizer's step,
 * and the loss read back; `dispose` frees the case's input tensors.
 */
function trainingStep(opt, inputs, loss) {
  return {
    step() {
      const l = loss();
      opt.zeroGrad();
      l.backward();
      opt.step();
      return l.item();
    },
    dispose: () => {
      for (const t of inputs) t.dispose();
    },
  };
}

/** The built package `name` of this checkout, or of the checkout CP_BENCH_BASELINE names for a baseline variant. */
async function importCp(name, baseline) {
  if (!baseline) return importBuilt(name);
  const dir = process.env.CP_BENCH_BASELINE;
  if (!dir) throw new NotAvailable('set CP_BENCH_BASELINE to a built checkout');
  const { pathToFileURL } = await import('node:url');
  return import(pathToFileURL(`${dir}/packages/${name.slice('@cp/'.length)}/dist/index.js`).href);
}

/** @param {'js' | 'wasm' | 'wasm-threads' | 'js@baseline' | 'wasm@baseline'} variant */
export async function load(variant) {
  const [kind, baseline] = variant.split('@');
  const cp = await importCp('@cp/core', baseline);
  let backend;
  if (kind === 'js') {
    const { createJsBackend } = await importCp('@cp/backend-js', baseline);
    backend = createJsBackend();
  } else if (kind === 'wasm' || kind === 'wasm-threads') {
    const mod = await importCp('@cp/backend-wasm', baseline);
    // NOTE: 'wasm' is the single-thread build; 'wasm-threads' takes the default thread count ('auto').
    backend = await mod.createWasmBackend(kind === 'wasm' ? { threads: 1 } : {});
  } else {
    throw new Error(`cp: unknown backend variant '${variant}'`);
  }
  await cp.setBackend(backend);
  const f32 = (data, shape) => cp.tensor(data, { dtype: 'float32', shape });

  const threads = backend.threading ? `, ${backend.threading.threads} threads (${backend.threading.reason})` : '';
  return {
    info: `@cp/core on ${variant} backend${threads}`,
    timed: {
      matmul: 'A.matmul(B), then dataSync() of the whole result, then dispose()',
      elementwise:
        'tidy(() => a.mul(b).add(c).relu()) (cp kernels are eager and synchronous, so the result is computed when the call returns)',
      mlp: 'model.call(x); F.crossEntropy; opt.zeroGrad(); loss.backward(); opt.step(); loss.item()',
      cnn: 'the same step as mlp on the Conv2d/MaxPool2d model of CNN in data.mjs',
      lstm: 'nn.LSTM(28, 128, {batchFirst}) then nn.Linear on hN; crossEntropy; zeroGrad; backward; Adam step; loss.item()',
      vit: 'patch nn.Linear + position Parameter, 2 nn.TransformerEncoderLayer (batchFirst, dropout 0), mean, nn.Linear; the same step',
    },

    matmul(a, b, n) {
      const A = f32(a, [n, n]);
      const B = f32(b, [n, n]);
      const once = () => {
        const C = A.matmul(B);
        const out = C.dataSync();
        C.dispose();
        return out;
      };
      return {
        run: once,
        read: once,
        dispose: () => {
          A.dispose();
          B.dispose();
        },
      };
    },

    elementwise(a, b, c) {
      const A = f32(a, [a.length]);
      const B = f32(b, [b.length]);
      const C = f32(c, [c.length]);
      return {
        run: () =>
          cp.tidy(() => {
            A.mul(B).add(C).relu();
          }),
        read: () => cp.tidy(() => A.mul(B).add(C).relu().dataSync()),
        dispose: () => {
          A.dispose();
          B.dispose();
          C.dispose();
        },
      };
    },

    mlp(x, labels, constraint) {
      const { nn, optim } = cp;
      if (!optim?.Adam) throw new NotAvailable('@cp/core exports no optim.Adam yet');
      const [d0, d1, d2, d3] = MLP.sizes;
      const model = new nn.Sequential(
        new nn.Linear(d0, d1),
        new nn.ReLU(),
        new nn.Linear(d1, d2),
        new nn.ReLU(),
        new nn.Linear(d2, d3),
      );
      if (constraint) {
        const make = CONSTRAINTS[constraint];
        if (!make) throw new Error(`cp: unknown constraint '${constraint}'`);
        if (!cp.constraints?.registerConstraint) throw new NotAvailable('@cp/core exports no constraints yet');
        for (const [name, p] of model.namedParameters()) {
          if (name.endsWith('weight')) cp.constraints.registerConstraint(p, make(cp.constraints));
        }
      }
      const opt = new optim.Adam(model.parameters(), { lr: MLP.lr });
      const X = f32(x, [MLP.batch, d0]);
      const Y = cp.tensor(labels, { dtype: 'int32', shape: [MLP.batch] });
      return trainingStep(opt, [X, Y], () => {
        const logits = model.call(X);
        return nn.functional.crossEntropy(logits, Y);
      });
    },

    cnn(x, labels) {
      const { nn, optim } = cp;
      if (!nn?.Conv2d) throw new NotAvailable('@cp/core exports no nn.Conv2d yet');
      const model = new nn.Sequential(
        new nn.Conv2d(1, 16, 3),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Conv2d(16, 32, 3),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Linear(800, CNN.classes),
      );
      const opt = new optim.Adam(model.parameters(), { lr: CNN.lr });
      const X = f32(x, [CNN.batch, 1, CNN.side, CNN.side]);
      const Y = cp.tensor(labels, { dtype: 'int32', shape: [CNN.batch] });
      return trainingStep(opt, [X, Y], () => nn.functional.crossEntropy(model.call(X), Y));
    },

    lstm(x, labels) {
      const { nn, optim } = cp;
      if (!nn?.LSTM) throw new NotAvailable('@cp/core exports no nn.LSTM yet');
      const { batch, steps, features, hidden, classes } = LSTM;
      const rnn = new nn.LSTM(features, hidden, { batchFirst: true });
      const head = new nn.Linear(hidden, classes);
      const opt = new optim.Adam([...rnn.parameters(), ...head.parameters()], { lr: LSTM.lr });
      const X = f32(x, [batch, steps, features]);
      const Y = cp.tensor(labels, { dtype: 'int32', shape: [batch] });
      return trainingStep(opt, [X, Y], () => {
        const [, [h]] = rnn.call(X);
        return nn.functional.crossEntropy(head.call(h.reshape([batch, hidden])), Y);
      });
    },

    vit(x, labels) {
      const { nn, optim } = cp;
      if (!nn?.TransformerEncoderLayer) throw new NotAvailable('@cp/core exports no nn.TransformerEncoderLayer yet');
      const { batch, tokens, patch, dim, layers, heads, ff, classes } = VIT;
      const embed = new nn.Linear(patch * patch, dim);
      const pos = new nn.Parameter(cp.randn([tokens, dim], { std: 0.02 }));
      const blocks = Array.from(
        { length: layers },
        () => new nn.TransformerEncoderLayer(dim, heads, { dimFeedforward: ff, dropout: 0, batchFirst: true }),
      );
      const head = new nn.Linear(dim, classes);
      const params = [embed, ...blocks, head].flatMap((m) => [...m.parameters()]);
      const opt = new optim.Adam([...params, pos], { lr: VIT.lr });
      const X = f32(x, [batch, tokens, patch * patch]);
      const Y = cp.tensor(labels, { dtype: 'int32', shape: [batch] });
      return trainingStep(opt, [X, Y], () => {
        let h = embed.call(X).add(pos);
        for (const block of blocks) h = block.call(h);
        return nn.functional.crossEntropy(head.call(h.mean(1)), Y);
      });
    },
  };
}
