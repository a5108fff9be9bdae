/**
 * jax-js 0.1.25 on its wasm device, written as its README recommends: `jit` around the computation,
 * `valueAndGrad` for the gradient, reference counting with `.ref`. Its optimizer package @jax-js/optax is
 * not published on npm, so Adam is written out here (optax's update rule) inside the jitted step. The CNN uses
 * `lax.conv` (NCHW, like cp) and `lax.reduceWindow` with a max for pooling (jax-js has no maxPool); the
 * LSTM is a loop of 28 cells traced into one jit (no `lax.scan` in jax-js); the transformer is written in
 * `numpy` ops with `nn.softmax` and `nn.standardize` for LayerNorm.
 */
import { CNN, LSTM, MLP, VIT } from '../data.mjs';
import { NotAvailable } from './common.mjs';

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/** @param {'wasm'} variant */
export async function load(variant) {
  const jax = await import('@jax-js/jax');
  const { numpy: np, nn, lax, jit, valueAndGrad, tree, random } = jax;
  const devices = await jax.init(variant);
  if (!devices.includes(variant)) throw new NotAvailable(`jax.init('${variant}') gave only [${devices.join(', ')}]`);
  jax.defaultDevice(variant);
  // NOTE: jax-js starts wasm worker threads only when `SharedArrayBuffer` and a global `Worker` exist; Node 20
  // has no global `Worker`, so it runs on one thread here, like the other engines.
  const threads = typeof Worker === 'undefined' ? 'single-threaded (no global Worker in Node)' : 'may use workers';

  return {
    info: `@jax-js/jax on ${jax.defaultDevice()}, ${threads}`,
    timed: {
      matmul: 'jit(np.dot)(A.ref, B.ref), then dataSync() of the whole result (which also frees it)',
      elementwise:
        'jit((a, b, c) => nn.relu(a.mul(b).add(c))) (fused into one kernel), then await out.blockUntilReady() (jax-js is lazy), then dispose()',
      mlp: 'one jit-compiled step: valueAndGrad(loss) + Adam written out (no @jax-js/optax on npm); loss.dataSync()[0], then await blockUntilReady(params)',
      cnn: 'the same jitted step on lax.conv (VALID) + nn.relu + lax.reduceWindow(max, 2x2, stride 2), twice, and a dense layer',
      lstm: 'the same jitted step on 28 LSTM cells (gates i, f, g, o) unrolled in the trace and a dense layer on the last h',
      vit: 'the same jitted step on the transformer in numpy ops (matmul, nn.softmax, nn.standardize)',
    },

    matmul(a, b, n) {
      const A = np.array(a).reshape([n, n]);
      const B = np.array(b).reshape([n, n]);
      const mm = jit((x, y) => np.dot(x, y));
      const once = () => mm(A.ref, B.ref).dataSync();
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
      const A = np.array(a);
      const B = np.array(b);
      const C = np.array(c);
      const f = jit((x, y, z) => nn.relu(x.mul(y).add(z)));
      return {
        run: async () => {
          const out = f(A.ref, B.ref, C.ref);
          await out.blockUntilReady();
          out.dispose();
        },
        read: () => f(A.ref, B.ref, C.ref).dataSync(),
        dispose: () => {
          A.dispose();
          B.dispose();
          C.dispose();
        },
      };
    },

    cnn(x, labels) {
      const { batch, side, classes } = CNN;
      const [k0, k1, k2, k3, k4, k5] = random.split(random.key(1), 6);
      const params = {
        c1: uniform(k0, [16, 1, 3, 3], 9),
        cb1: uniform(k1, [16], 9),
        c2: uniform(k2, [32, 16, 3, 3], 144),
        cb2: uniform(k3, [32], 144),
        wf: uniform(k4, [800, classes], 800),
        bf: uniform(k5, [classes], 800),
      };
      const X = np.array(x).reshape([batch, 1, side, side]);
      const block = (h, w, b) => {
        const y = nn.relu(lax.conv(h, w, [1, 1], 'VALID').add(b.reshape([1, -1, 1, 1])));
        return lax.reduceWindow(y, (win) => np.max(win), [2, 2], [2, 2]);
      };
      const logits = (p, xb) => {
        const h = block(block(xb, p.c1, p.cb1), p.c2, p.cb2);
        return np.dot(h.reshape([batch, 800]), p.wf).add(p.bf);
      };
      return adamTrainer(params, logits, X, labels, classes, CNN.lr);
    },

    lstm(x, labels) {
      const { batch, steps, features, hidden: H, classes } = LSTM;
      const [k0, k1, k2, k3, k4, k5] = random.split(random.key(2), 6);
      const params = {
        wih: uniform(k0, [features, 4 * H], H),
        whh: uniform(k1, [H, 4 * H], H),
        bih: uniform(k2, [4 * H], H),
        bhh: uniform(k3, [4 * H], H),
        wf: uniform(k4, [H, classes], H),
        bf: uniform(k5, [classes], H),
      };
      // Time-major [steps, batch, features], so step t is xs[t].
      const X = np.array(x).reshape([batch, steps, features]).transpose([1, 0, 2]);
      const logits = (p, xs) => {
        const gi = np.dot(xs, p.wih).add(p.bih);
        let h = np.zeros([batch, H]);
        let c = np.zeros([batch, H]);
        for (let t = 0; t < steps; t++) {
          const g = gi.ref.slice(t).add(np.dot(h, p.whh.ref)).add(p.bhh.ref);
          const [i, f, gg, o] = np.split(g, 4, 1);
          c = nn
            .sigmoid(f)
            .mul(c)
            .add(nn.sigmoid(i).mul(np.tanh(gg)));
          h = nn.sigmoid(o).mul(np.tanh(c.ref));
        }
        gi.dispose();
        p.whh.dispose();
        p.bhh.dispose();
        c.dispose();
        return np.dot(h, p.wf).add(p.bf);
      };
      return adamTrainer(params, logits, X, labels, classes, LSTM.lr);
    },

    vit(x, labels) {
      const { batch, tokens: T, patch, dim: E, layers, heads: NH, ff, classes } = VIT;
      const hd = E / NH;
      const P = patch * patch;
      const keys = random.split(random.key(3), 5 + 8 * layers);
      let ki = 0;
      const k = () => keys.ref.slice(ki++);
      const params = {
        we: uniform(k(), [P, E], P),
        be: uniform(k(), [E], P),
        pos: random.normal(k(), [T, E]).mul(0.02),
        wh: uniform(k(), [E, classes], E),
        bh: uniform(k(), [classes], E),
      };
      for (let l = 0; l < layers; l++) {
        Object.assign(params, {
          [`qkv${l}`]: uniform(k(), [E, 3 * E], E),
          [`bqkv${l}`]: uniform(k(), [3 * E], E),
          [`wo${l}`]: uniform(k(), [E, E], E),
          [`bo${l}`]: uniform(k(), [E], E),
          [`w1${l}`]: uniform(k(), [E, ff], E),
          [`b1${l}`]: uniform(k(), [ff], E),
          [`w2${l}`]: uniform(k(), [ff, E], ff),
          [`b2${l}`]: uniform(k(), [E], ff),
          [`g1${l}`]: np.ones([E]),
          [`n1${l}`]: np.zeros([E]),
          [`g2${l}`]: np.ones([E]),
          [`n2${l}`]: np.zeros([E]),
        });
      }
      keys.dispose();
      const X = np.array(x).reshape([batch, T, P]);
      const layerNorm = (h, g, b) => nn.standardize(h, -1, { epsilon: 1e-5 }).mul(g).add(b);
      const split = (h) => h.reshape([batch, T, NH, hd]).transpose([0, 2, 1, 3]);
      const logits = (p, xb) => {
        let h = np.dot(xb, p.we).add(p.be).add(p.pos);
        for (let l = 0; l < layers; l++) {
          const [q, kk, v] = np.split(np.dot(h.ref, p[`qkv${l}`]).add(p[`bqkv${l}`]), 3, -1).map(split);
          const weights = nn.softmax(np.matmul(q, kk.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(hd)), -1);
          const merged = np.matmul(weights, v).transpose([0, 2, 1, 3]).reshape([batch, T, E]);
          h = layerNorm(h.add(np.dot(merged, p[`wo${l}`]).add(p[`bo${l}`])), p[`g1${l}`], p[`n1${l}`]);
          const f = np.dot(nn.relu(np.dot(h.ref, p[`w1${l}`]).add(p[`b1${l}`])), p[`w2${l}`]).add(p[`b2${l}`]);
          h = layerNorm(h.add(f), p[`g2${l}`], p[`n2${l}`]);
        }
        return np.dot(np.mean(h, 1), p.wh).add(p.bh);
      };
      return adamTrainer(params, logits, X, labels, classes, VIT.lr);
    },

    mlp(x, labels, constraint) {
      if (constraint) throw new NotAvailable('constraints are measured for cp only');
      const [d0, d1, d2, d3] = MLP.sizes;
      const [k1, k2, k3, k4, k5, k6] = random.split(random.key(0), 6);
      const params = {
        w1: uniform(k1, [d0, d1], d0),
        b1: uniform(k2, [d1], d0),
        w2: uniform(k3, [d1, d2], d1),
        b2: uniform(k4, [d2], d1),
        w3: uniform(k5, [d2, d3], d2),
        b3: uniform(k6, [d3], d2),
      };
      const X = np.array(x).reshape([MLP.batch, d0]);
      // Mean softmax cross entropy over the batch (in adamTrainer), as in the jax-js MNIST example.
      const logits = (p, xb) => {
        const h1 = nn.relu(np.dot(xb, p.w1).add(p.b1));
        const h2 = nn.relu(np.dot(h1, p.w2).add(p.b2));
        return np.dot(h2, p.w3).add(p.b3);
      };
      return adamTrainer(params, logits, X, labels, d3, MLP.lr);
    },
  };

  /** Weights uniform in ±1/sqrt(fanIn), torch's default for Linear and Conv2d. */
  function uniform(key, shape, fanIn) {
    return random.uniform(key, shape, { minval: -1 / Math.sqrt(fanIn), maxval: 1 / Math.sqrt(fanIn) });
  }

  /**
   * The training step of the model zoo: mean softmax cross entropy of `logits(params, x)` and Adam written
   * out (optax's rule), all in one jit. `lrT` = lr / (1 - beta1^t) and `c2` = 1 / (1 - beta2^t) come in as
   * arrays so the step compiles once.
   */
  function adamTrainer(init, logits, X, labels, classes, lr) {
    let params = init;
    let m = tree.map((p) => np.zerosLike(p.ref), params);
    let v = tree.map((p) => np.zerosLike(p.ref), params);
    const Y = np.array(labels, { dtype: np.int32 });
    const loss = (p, xb, yb) =>
      nn
        .logSoftmax(logits(p, xb))
        .mul(nn.oneHot(yb, classes))
        .sum()
        .mul(-1 / labels.length);
    const trainStep = jit((p, m0, v0, lrT, c2, xb, yb) => {
      const [value, g] = valueAndGrad(loss)(tree.ref(p), xb, yb);
      const np_ = {};
      const nm = {};
      const nv = {};
      for (const key of Object.keys(p)) {
        const gk = g[key];
        const mk = m0[key].mul(BETA1).add(gk.ref.mul(1 - BETA1));
        const vk = v0[key].mul(BETA2).add(gk.ref.mul(gk).mul(1 - BETA2));
        const update = mk.ref.mul(lrT.ref).div(np.sqrt(vk.ref.mul(c2.ref)).add(EPS));
        np_[key] = p[key].sub(update);
        nm[key] = mk;
        nv[key] = vk;
      }
      lrT.dispose();
      c2.dispose();
      return [value, np_, nm, nv];
    });
    let t = 0;
    return {
      async step() {
        t += 1;
        const lrT = np.array(lr / (1 - BETA1 ** t));
        const c2 = np.array(1 / (1 - BETA2 ** t));
        const [value, p1, m1, v1] = trainStep(params, m, v, lrT, c2, X.ref, Y.ref);
        params = p1;
        m = m1;
        v = v1;
        const lossValue = value.dataSync()[0];
        await jax.blockUntilReady(params);
        return lossValue;
      },
      dispose: () => {
        tree.dispose([params, m, v]);
        X.dispose();
        Y.dispose();
      },
    };
  }
}
