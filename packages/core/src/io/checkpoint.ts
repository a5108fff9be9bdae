/**
 * Checkpoints: a model's state dict, its optimizer's state and the training metadata in one safetensors
 * file. Tensors are named `model.<name>`, `raw.<name>` (the unconstrained tensor behind a reparametrized
 * parameter, so a resumed run continues bit for bit) and `optimizer.state.<index>.<key>`; `__metadata__`
 * holds exact-JSON strings (see checkpoint-format.ts). Loading parses, validates everything, then writes:
 * a file that raises leaves the model, its constraints, the optimizer and the generator as they were.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { DType } from '../backend/dtype.js';
import type { JsonValue } from '../constraints/constraint.js';
import { rawOf } from '../constraints/registry/index.js';
import { tidy } from '../engine/lifetime.js';
import { CpError, fmtShape } from '../errors.js';
import type { AnyModule } from '../nn/module.js';
import { planStateDictLoad, type StateDict, type StateDictMetadata } from '../nn/state-dict.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import { tensor } from '../tensor/creation.js';
import { defaultGenerator } from '../tensor/random.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import {
  CHECKPOINT_FORMAT,
  CheckpointError,
  checkFormat,
  type OptimizerMeta,
  readConstraints,
  readOptimizerMeta,
  readRng,
  readUserMetadata,
  sortTensors,
} from './checkpoint-format.js';
import { stringifyExact } from './exact-json.js';
import { decodeSafetensors, encodeSafetensors, type RawTensor } from './safetensors.js';

export { CHECKPOINT_FORMAT, CheckpointError } from './checkpoint-format.js';

/** What `saveCheckpoint` writes. */
export interface SaveCheckpointOptions {
  /** The model whose `stateDict()` (parameters, persistent buffers, constraint specs) is saved. */
  model: AnyModule;
  /** An optimizer over the model's parameters; its state tensors and options are saved. */
  optimizer?: Optimizer;
  /** Training metadata (epoch, step, seed...): JSON values stored under their own keys (not starting with `cp.`). */
  metadata?: Record<string, JsonValue>;
}

/** What `loadCheckpoint` restores into. */
export interface LoadCheckpointOptions {
  model: AnyModule;
  /** Restores the optimizer's state (required when the checkpoint has one and you want to resume). */
  optimizer?: Optimizer;
  /** Restore the default generator's state saved with the checkpoint (default true). */
  restoreRng?: boolean;
}

/** What `loadCheckpoint` returns besides the restored state. */
export interface LoadedCheckpoint {
  /** The caller's metadata, as saved. */
  metadata: Record<string, JsonValue>;
  /** The default generator's state at save time. */
  rngState: number[];
  /** True when the file held optimizer state (restored if an optimizer was given). */
  hasOptimizer: boolean;
}

function raw(t: Tensor): RawTensor {
  const data = t.dataSync();
  if (data.length !== t.size)
    throw new CheckpointError(`saveCheckpoint: internal: read ${data.length} values for a tensor of ${t.size}`);
  return { dtype: t.dtype, shape: [...t.shape], data };
}

/** Serializes the model, optimizer, constraint specs, RNG state and `metadata` to safetensors bytes. */
export function saveCheckpoint(options: SaveCheckpointOptions): Uint8Array<ArrayBuffer> {
  const { model, optimizer } = options;
  const tensors: [string, RawTensor][] = [];
  const sd = model.stateDict();
  for (const [k, t] of Object.entries(sd)) tensors.push([`model.${k}`, raw(t)]);
  for (const [k, p] of model.namedParameters()) {
    const r = rawOf(p);
    if (r) tensors.push([`raw.${k}`, raw(r)]);
  }
  const meta: Record<string, string> = {
    'cp.format': CHECKPOINT_FORMAT,
    'cp.constraints': stringifyExact((sd as { _metadata?: StateDictMetadata })._metadata?.constraints ?? {}),
    'cp.rng': stringifyExact(defaultGenerator.getState()),
  };
  if (optimizer) {
    const osd = optimizer.stateDict();
    const state: OptimizerMeta['state'] = {};
    for (const [index, entry] of Object.entries(osd.state)) {
      state[index] = { numbers: {}, tensors: [] };
      for (const [key, v] of Object.entries(entry)) {
        if (isTensor(v)) {
          tensors.push([`optimizer.state.${index}.${key}`, raw(v)]);
          state[index].tensors.push(key);
          v.dispose();
        } else {
          state[index].numbers[key] = v;
        }
      }
    }
    meta['cp.optimizer'] = stringifyExact({ paramGroups: osd.paramGroups, state } satisfies OptimizerMeta);
  }
  for (const [k, v] of Object.entries(options.metadata ?? {})) {
    if (k.startsWith('cp.'))
      throw new CheckpointError(
        `saveCheckpoint: metadata key '${k}' is reserved (keys starting with 'cp.' are cp's own)`,
      );
    meta[k] = stringifyExact(v);
  }
  return encodeSafetensors(tensors, meta);
}

/** Runs `fn`; a CpError it raises becomes a CheckpointError saying which part of the file did not fit. */
function within<T>(part: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof CpError) || e instanceof CheckpointError) throw e;
    throw new CheckpointError(`loadCheckpoint: ${part}: ${e.message}`, { cause: e });
  }
}

/**
 * Restores a `saveCheckpoint` file into `model` (values, constraint specs, the raw tensors of reparametrized
 * parameters), `optimizer` (state and options) and the default generator, so training resumes exactly.
 * Everything is validated before anything is written (keys, shapes, dtypes, constraint specs, that constrained
 * values are feasible and finite, the optimizer's state, the generator's state); on an error nothing has
 * changed. Errors are `SafetensorsError` (malformed bytes) or `CheckpointError`, naming the tensor or key.
 */
export function loadCheckpoint(bytes: Uint8Array, options: LoadCheckpointOptions): LoadedCheckpoint {
  const { tensors, metadata } = decodeSafetensors(bytes);
  checkFormat(metadata);
  const rngState = readRng(metadata);
  const constraints = readConstraints(metadata);
  const optimizerMeta = readOptimizerMeta(metadata);
  if (options.optimizer && !optimizerMeta)
    throw new CheckpointError('loadCheckpoint: an optimizer was given, but the checkpoint has no optimizer state');
  const userMetadata = readUserMetadata(metadata);
  const sorted = sortTensors(tensors, optimizerMeta);

  const { model, optimizer } = options;
  const params = new Map(model.namedParameters());
  const backend = params.values().next().value?.backend;
  const make = (t: RawTensor): Tensor => tensor(t.data, { shape: t.shape, dtype: t.dtype as DType, backend });
  noGrad(() =>
    tidy(() => {
      const sd: StateDict = Object.fromEntries([...sorted.model].map(([k, t]) => [k, make(t)]));
      Object.defineProperty(sd, '_metadata', { value: { constraints }, enumerable: false });
      const raws = new Map([...sorted.raw].map(([k, t]) => [k, make(t)]));
      const plan = within("the model does not take tensors 'model.*'/'raw.*' or __metadata__ 'cp.constraints'", () =>
        planStateDictLoad(model, sd, { strict: true, values: 'exact', raws }),
      );
      let osd: OptimizerStateDict | null = null;
      if (optimizer && optimizerMeta) {
        osd = optimizerState(optimizer, optimizerMeta, sorted.optimizer, make);
        const validated = osd;
        within("the optimizer does not take __metadata__ 'cp.optimizer' and tensors 'optimizer.state.*'", () =>
          optimizer.validateStateDict(validated),
        );
      }
      // Everything is validated: write.
      plan.commit();
      if (optimizer && osd) optimizer.loadStateDict(osd);
    }),
  );
  if (options.restoreRng ?? true) defaultGenerator.setState(rngState);
  return { metadata: userMetadata, rngState, hasOptimizer: optimizerMeta !== null };
}

/** Throws unless the file's tensor `name` has the dtype and shape of `like`. */
function checkLike(name: string, t: RawTensor, like: Tensor, what: string): void {
  if (t.dtype !== like.dtype)
    throw new CheckpointError(`loadCheckpoint: tensor '${name}' is ${t.dtype}, but ${what} is ${like.dtype}`);
  if (t.shape.length !== like.shape.length || t.shape.some((d, i) => d !== like.shape[i])) {
    throw new CheckpointError(
      `loadCheckpoint: tensor '${name}' has shape ${fmtShape(t.shape)}, but ${what} has shape ${fmtShape(like.shape)}`,
    );
  }
}

/**
 * The optimizer state dict the file describes, checked against `optimizer`: the same group layout, and every
 * state tensor of the dtype and shape of the parameter it belongs to (the one `loadStateDict` will give it).
 */
function optimizerState(
  optimizer: Optimizer,
  meta: OptimizerMeta,
  tensors: Map<string, RawTensor>,
  make: (t: RawTensor) => Tensor,
): OptimizerStateDict {
  const groups = optimizer.paramGroups;
  if (meta.paramGroups.length !== groups.length) {
    throw new CheckpointError(
      `loadCheckpoint: the checkpoint's optimizer has ${meta.paramGroups.length} parameter groups, this one ${groups.length}`,
    );
  }
  const byIndex = new Map<number, Tensor>();
  // NOTE: loading sets the file's options on the groups and removes none, so an option the file lacks (a
  // renamed 'amsgrad', say) would keep this optimizer's value in silence.
  const { clipNorm: _cn, clipValue: _cv, ...defaults } = optimizer.defaults;
  const required = Object.keys(defaults);
  meta.paramGroups.forEach((g, i) => {
    if (g.params.length !== groups[i].params.length) {
      throw new CheckpointError(
        `loadCheckpoint: optimizer group ${i} has ${g.params.length} parameters in the checkpoint, ${groups[i].params.length} here`,
      );
    }
    const missing = required.filter((k) => !Object.hasOwn(g, k));
    if (missing.length > 0) {
      throw new CheckpointError(
        `loadCheckpoint: optimizer group ${i} in __metadata__ 'cp.optimizer' has no option ${missing.map((k) => `'${k}'`).join(', ')} (a ${optimizer.constructor.name} group has ${required.join(', ')})`,
      );
    }
    g.params.forEach((index, j) => {
      byIndex.set(index, groups[i].params[j]);
    });
  });
  const osd: OptimizerStateDict = { paramGroups: meta.paramGroups, state: {} };
  for (const [index, entry] of Object.entries(meta.state)) {
    const p = byIndex.get(Number(index))!;
    const s: Record<string, Tensor | number> = { ...entry.numbers };
    for (const key of entry.tensors) {
      const name = `optimizer.state.${index}.${key}`;
      const t = tensors.get(name)!;
      checkLike(name, t, p, `the parameter it belongs to (index ${index})`);
      s[key] = make(t);
    }
    osd.state[Number(index)] = s;
  }
  return osd;
}
