// Every new zoo layer (issue 10) against PyTorch 1.13 on each backend: the state dict's keys (in order) and
// shapes, loading PyTorch's random parameters and buffers with loadStateDict, the outputs, the gradients of
// the inputs and of every parameter (by state-dict key), and the state after the call (BatchNorm's running
// stats and num_batches_tracked after a training step).
import { nn, ones, setBackend, type Tensor } from '@cp/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, decode, type Encoded, expectClose, runOracle, weightedSum } from './oracle.js';

type AnyModule = nn.AnyModule;

interface LayerCase {
  name: string;
  kind: string;
  // biome-ignore lint/suspicious/noExplicitAny: the driver's JSON constructor arguments, passed on to cp
  args: Record<string, any>;
  train: boolean;
  state: Record<string, Encoded>;
  stateAfter: Record<string, Encoded>;
  inputs: Record<string, Encoded>;
  outputs: Encoded[];
  cots: (Encoded | null)[];
  grads: Record<string, Encoded>;
  paramGrads: Record<string, Encoded>;
}

/**
 * The inputs by name; a bool `causal` input (PyTorch 1.13 gets the causal mask instead) asks for isCausal,
 * a bool `noweights` for needWeights: false.
 */
type Inputs = Record<string, Tensor>;

/** The module PyTorch's `torch.nn` layers and containers of the Containers case: same attribute names. */
class Containers extends nn.Module<[Tensor], [Tensor, Tensor]> {
  blocks = new nn.ModuleList([new nn.Linear(3, 4), new nn.Linear(4, 2)]);
  heads = new nn.ModuleDict({ cls: new nn.Linear(2, 3), aux: new nn.Linear(2, 1) });
  scales = new nn.ParameterList([new nn.Parameter(ones([2])), new nn.Parameter(ones([1, 3]))]);

  override forward(x: Tensor): [Tensor, Tensor] {
    const lin = (m: AnyModule, t: Tensor) => (m as nn.Linear).call(t);
    const h = lin(this.blocks.at(1), lin(this.blocks.at(0), x).relu()).mul(this.scales.at(0));
    return [lin(this.heads.get('cls'), h).mul(this.scales.at(1)), lin(this.heads.get('aux'), h)];
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see LayerCase.args
type Build = (a: Record<string, any>) => AnyModule;
/** Per kind, the cp module (from the same constructor arguments) and how the case calls it (flat outputs). */
const LAYERS: Record<string, { build: Build; call?: (m: AnyModule, i: Inputs) => Tensor[] }> = {
  Conv2d: { build: (a) => new nn.Conv2d(a.in, a.out, a.k, a.o) },
  Conv1d: { build: (a) => new nn.Conv1d(a.in, a.out, a.k, a.o) },
  ConvTranspose2d: { build: (a) => new nn.ConvTranspose2d(a.in, a.out, a.k, a.o) },
  BatchNorm2d: { build: (a) => new nn.BatchNorm2d(a.n, a.o) },
  BatchNorm1d: { build: (a) => new nn.BatchNorm1d(a.n, a.o) },
  BatchNorm2dSteps: {
    build: (a) => new nn.BatchNorm2d(a.n, a.o),
    call: (m, i) => [0, 1, 2].map((s) => (m as nn.BatchNorm2d).call(i.x.narrow(0, s, 1).reshape(i.x.shape.slice(1)))),
  },
  GroupNorm: { build: (a) => new nn.GroupNorm(a.groups, a.channels, a.o) },
  LayerNorm: { build: (a) => new nn.LayerNorm(a.shape, a.o) },
  MaxPool2d: { build: (a) => new nn.MaxPool2d(a.k, a.o) },
  AvgPool2d: { build: (a) => new nn.AvgPool2d(a.k, a.o) },
  AdaptiveAvgPool2d: { build: (a) => new nn.AdaptiveAvgPool2d(a.size) },
  RNN: { build: (a) => new nn.RNN(a.in, a.hidden, a.o), call: (m, i) => (m as nn.RNN).call(i.x, i.h0) },
  GRU: { build: (a) => new nn.GRU(a.in, a.hidden, a.o), call: (m, i) => (m as nn.GRU).call(i.x, i.h0) },
  LSTM: {
    build: (a) => new nn.LSTM(a.in, a.hidden, a.o),
    call: (m, i) => {
      const [out, [h, c]] = (m as nn.LSTM).call(i.x, i.h0 ? [i.h0, i.c0] : null);
      return [out, h, c];
    },
  },
  MultiheadAttention: {
    build: (a) => new nn.MultiheadAttention(a.embed, a.heads, a.o),
    call: (m, i) => {
      const [out, w] = (m as nn.MultiheadAttention).call(i.q, i.k, i.v, {
        keyPaddingMask: i.kpm ?? null,
        attnMask: i.mask ?? null,
        isCausal: i.causal !== undefined,
        averageAttnWeights: i.causal === undefined,
        needWeights: i.noweights === undefined,
      });
      if (i.noweights) expect(w).toBeNull();
      return i.noweights ? [out] : [out, w as Tensor];
    },
  },
  TransformerEncoderLayer: {
    build: (a) => new nn.TransformerEncoderLayer(a.d, a.heads, a.o),
    call: (m, i) => [
      (m as nn.TransformerEncoderLayer).call(i.x, {
        srcMask: i.mask ?? null,
        srcKeyPaddingMask: i.kpm ?? null,
        isCausal: i.causal !== undefined,
      }),
    ],
  },
  Containers: { build: () => new Containers(), call: (m, i) => (m as Containers).call(i.x) },
};

const { cases } = runOracle<{ cases: LayerCase[] }>('layers');

function expectState(module: AnyModule, expected: Record<string, Encoded>, label: string): void {
  const sd = module.stateDict();
  expect(Object.keys(sd), `${label}: state-dict keys`).toEqual(Object.keys(expected));
  for (const [k, e] of Object.entries(expected)) expectClose(sd[k], e, `${label} ${k}`);
}

/** Runs one case on the current backend. */
function check(c: LayerCase): void {
  const spec = LAYERS[c.kind];
  const module = spec.build(c.args);
  const own = module.stateDict();
  expect(Object.keys(own), 'state-dict keys, in order').toEqual(Object.keys(c.state));
  for (const [k, e] of Object.entries(c.state)) expect(own[k].shape, `shape of ${k}`).toEqual(e.s);
  const loaded = Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, decode(e)]));
  module.loadStateDict(loaded);
  expectState(module, c.state, 'loaded');
  module.train(c.train);
  const inputs: Inputs = {};
  for (const [k, e] of Object.entries(c.inputs)) inputs[k] = decode(e, k in c.grads);
  const outputs = spec.call ? spec.call(module, inputs) : [(module as nn.Linear).call(inputs.x)];
  expect(outputs.length, 'number of outputs').toBe(c.outputs.length);
  outputs.forEach((o, i) => {
    expectClose(o, c.outputs[i], `output ${i}`);
  });
  weightedSum(outputs, c.cots)?.backward();
  for (const [k, g] of Object.entries(c.grads)) expectClose(inputs[k].grad, g, `grad of input ${k}`);
  const params = new Map<string, Tensor>(module.namedParameters());
  expect([...params.keys()], 'parameter names').toEqual(Object.keys(c.paramGrads));
  for (const [k, g] of Object.entries(c.paramGrads)) expectClose(params.get(k)?.grad, g, `grad of ${k}`);
  expectState(module, c.stateAfter, 'after the call');
}

it('the driver covers every layer kind the suite knows, and no other', () => {
  expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(Object.keys(LAYERS)));
});

for (const [name, create] of BACKENDS) {
  describe(`layers against PyTorch on ${name}`, () => {
    beforeAll(async () => {
      await setBackend(await create());
    });
    for (const c of cases) it(c.name, () => check(c));
  });
}
