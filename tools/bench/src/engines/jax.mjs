/**
 * jax-js 0.1.25 on its wasm device, written as its README recommends: `jit` around the computation,
 * `valueAndGrad` for the gradient, reference counting with `.ref`. Its optimizer package @jax-js/optax is
 * not published on npm, so Adam is written out here (optax's update rule) inside the jitted step.
 */
import { MLP } from '../data.mjs';
import { NotAvailable } from './common.mjs';

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/** @param {'wasm'} variant */
export async function load(variant) {
  const jax = await import('@jax-js/jax');
  const { numpy: np, nn, jit, valueAndGrad, tree, random } = jax;
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

    mlp(x, labels, constraint) {
      if (constraint) throw new NotAvailable('constraints are measured for cp only');
      const [d0, d1, d2, d3] = MLP.sizes;
      const [k1, k2, k3, k4, k5, k6] = random.split(random.key(0), 6);
      const uniform = (key, shape, fanIn) =>
        random.uniform(key, shape, { minval: -1 / Math.sqrt(fanIn), maxval: 1 / Math.sqrt(fanIn) });
      let params = {
        w1: uniform(k1, [d0, d1], d0),
        b1: uniform(k2, [d1], d0),
        w2: uniform(k3, [d1, d2], d1),
        b2: uniform(k4, [d2], d1),
        w3: uniform(k5, [d2, d3], d2),
        b3: uniform(k6, [d3], d2),
      };
      let m = tree.map((p) => np.zerosLike(p.ref), params);
      let v = tree.map((p) => np.zerosLike(p.ref), params);
      const X = np.array(x).reshape([MLP.batch, d0]);
      const Y = np.array(labels, { dtype: np.int32 });

      // Mean softmax cross entropy over the batch, as in the jax-js MNIST example.
      const loss = (p, xb, yb) => {
        const h1 = nn.relu(np.dot(xb, p.w1).add(p.b1));
        const h2 = nn.relu(np.dot(h1, p.w2).add(p.b2));
        const logits = np.dot(h2, p.w3).add(p.b3);
        return nn
          .logSoftmax(logits)
          .mul(nn.oneHot(yb, d3))
          .sum()
          .mul(-1 / MLP.batch);
      };
      // `lrT` = lr / (1 - beta1^t) and `c2` = 1 / (1 - beta2^t) come in as arrays so the step compiles once.
      const trainStep = jit((p, m0, v0, lrT, c2, xb, yb) => {
        const [value, g] = valueAndGrad(loss)(tree.ref(p), xb, yb);
        const np_ = {};
        const nm = {};
        const nv = {};
        for (const k of Object.keys(p)) {
          const gk = g[k];
          const mk = m0[k].mul(BETA1).add(gk.ref.mul(1 - BETA1));
          const vk = v0[k].mul(BETA2).add(gk.ref.mul(gk).mul(1 - BETA2));
          const update = mk.ref.mul(lrT.ref).div(np.sqrt(vk.ref.mul(c2.ref)).add(EPS));
          np_[k] = p[k].sub(update);
          nm[k] = mk;
          nv[k] = vk;
        }
        lrT.dispose();
        c2.dispose();
        return [value, np_, nm, nv];
      });
      let t = 0;
      return {
        async step() {
          t += 1;
          const lrT = np.array(MLP.lr / (1 - BETA1 ** t));
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
    },
  };
}
