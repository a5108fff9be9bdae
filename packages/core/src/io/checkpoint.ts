/**
 * Checkpoints: a model's state dict, its optimizer's state and the training metadata in one safetensors
 * file. Tensors are named `model.<name>`, `raw.<name>` (the unconstrained tensor behind a reparametrized
 * parameter, so a resumed run continues bit for bit) and `optimizer.state.<index>.<key>`; `__metadata__`
 * holds JSON strings: `cp.format`, `cp.constraints`, `cp.optimizer`, `cp.rng`, and the caller's own keys.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { DType } from '../backend/dtype.js';
import type { JsonValue } from '../constraints/constraint.js';
import { rawOf } from '../constraints/registry.js';
import { tidy } from '../engine/scope.js';
import { CpError } from '../errors.js';
import type { AnyModule } from '../nn/module.js';
import type { Parameter } from '../nn/parameter.js';
import type { StateDict, StateDictMetadata } from '../nn/state-dict.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import { tensor } from '../tensor/creation.js';
import { defaultGenerator } from '../tensor/random.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors, type RawTensor } from './safetensors.js';

/** The value of `cp.format` in every checkpoint cp writes. */
export const CHECKPOINT_FORMAT = 'cp-checkpoint/1';

/** A checkpoint that does not fit: not a cp checkpoint, bad metadata, or state that the model or optimizer cannot take. */
export class CheckpointError extends CpError {
  override name = 'CheckpointError';
}

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

interface OptimizerMeta {
  paramGroups: OptimizerStateDict['paramGroups'];
  /** Per parameter index, the numeric state (`step`) and the names of its state tensors. */
  state: Record<string, { numbers: Record<string, number>; tensors: string[] }>;
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
    'cp.constraints': JSON.stringify((sd as { _metadata?: StateDictMetadata })._metadata?.constraints ?? {}),
    'cp.rng': JSON.stringify(defaultGenerator.getState()),
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
    meta['cp.optimizer'] = JSON.stringify({ paramGroups: osd.paramGroups, state } satisfies OptimizerMeta);
  }
  for (const [k, v] of Object.entries(options.metadata ?? {})) {
    if (k.startsWith('cp.'))
      throw new CheckpointError(
        `saveCheckpoint: metadata key '${k}' is reserved (keys starting with 'cp.' are cp's own)`,
      );
    meta[k] = JSON.stringify(v);
  }
  return encodeSafetensors(tensors, meta);
}

function parseJson(metadata: Record<string, string>, key: string): JsonValue {
  try {
    return JSON.parse(metadata[key]) as JsonValue;
  } catch (e) {
    throw new CheckpointError(`loadCheckpoint: __metadata__ '${key}' is not valid JSON: ${(e as Error).message}`);
  }
}

function need(tensors: Map<string, RawTensor>, name: string, what: string): RawTensor {
  const t = tensors.get(name);
  if (!t) throw new CheckpointError(`loadCheckpoint: tensor '${name}' (${what}) is missing from the checkpoint`);
  return t;
}

/**
 * Restores a `saveCheckpoint` file into `model` (values, constraint specs, the raw tensors of reparametrized
 * parameters), `optimizer` (state and options) and the default generator, so training resumes exactly.
 * Everything is validated before anything is written; errors name the tensor or key and what was expected.
 */
export function loadCheckpoint(bytes: Uint8Array, options: LoadCheckpointOptions): LoadedCheckpoint {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata['cp.format'] !== CHECKPOINT_FORMAT) {
    const found = metadata['cp.format'] === undefined ? 'no cp.format entry' : `cp.format '${metadata['cp.format']}'`;
    throw new CheckpointError(
      `loadCheckpoint: not a cp checkpoint: __metadata__ has ${found}, expected '${CHECKPOINT_FORMAT}'`,
    );
  }
  const rngState = parseJson(metadata, 'cp.rng');
  if (!Array.isArray(rngState) || rngState.length !== 4 || !rngState.every((w) => typeof w === 'number')) {
    throw new CheckpointError(`loadCheckpoint: __metadata__ 'cp.rng' must be 4 numbers, got ${metadata['cp.rng']}`);
  }
  const constraints = parseJson(metadata, 'cp.constraints') as unknown as StateDictMetadata['constraints'];
  const optimizerMeta =
    metadata['cp.optimizer'] === undefined ? null : (parseJson(metadata, 'cp.optimizer') as unknown as OptimizerMeta);
  if (options.optimizer && !optimizerMeta)
    throw new CheckpointError('loadCheckpoint: an optimizer was given, but the checkpoint has no optimizer state');
  const userMetadata: Record<string, JsonValue> = {};
  for (const k of Object.keys(metadata)) if (!k.startsWith('cp.')) userMetadata[k] = parseJson(metadata, k);

  const { model, optimizer } = options;
  const params = new Map(model.namedParameters());
  const backend = params.values().next().value?.backend;
  const make = (t: RawTensor): Tensor => tensor(t.data, { shape: t.shape, dtype: t.dtype as DType, backend });
  noGrad(() =>
    tidy(() => {
      const sd: StateDict = {};
      const raws: [Parameter, Tensor, Tensor][] = [];
      for (const [name, t] of tensors) {
        if (name.startsWith('model.')) sd[name.slice(6)] = make(t);
      }
      Object.defineProperty(sd, '_metadata', { value: { constraints } satisfies StateDictMetadata, enumerable: false });
      for (const [name, t] of tensors) {
        if (!name.startsWith('raw.')) continue;
        const p = params.get(name.slice(4));
        const value = sd[name.slice(4)];
        // NOTE: a raw tensor without its parameter means the architectures differ; loadStateDict names the keys.
        if (p && value) raws.push([p, value, make(t)]);
      }
      let osd: OptimizerStateDict | null = null;
      if (optimizer && optimizerMeta) {
        osd = { paramGroups: optimizerMeta.paramGroups, state: {} };
        for (const [index, entry] of Object.entries(optimizerMeta.state)) {
          const s: Record<string, Tensor | number> = { ...entry.numbers };
          for (const key of entry.tensors)
            s[key] = make(need(tensors, `optimizer.state.${index}.${key}`, `optimizer state of parameter ${index}`));
          osd.state[Number(index)] = s;
        }
        checkOptimizer(optimizer, osd);
      }
      model.loadStateDict(sd);
      // NOTE: re-registering a reparametrized constraint derives raw = inverse(value), which may differ from
      // the saved raw in the last bit; write both back so the next step is the one the saved run would take.
      for (const [p, value, r] of raws) {
        rawOf(p)?.copy_(r);
        p.copy_(value);
      }
      if (optimizer && osd) optimizer.loadStateDict(osd);
    }),
  );
  if (options.restoreRng ?? true) defaultGenerator.setState(rngState as number[]);
  return { metadata: userMetadata, rngState: rngState as number[], hasOptimizer: optimizerMeta !== null };
}

/** Throws unless `osd` has the optimizer's group structure and state shaped like the parameters. */
function checkOptimizer(optimizer: Optimizer, osd: OptimizerStateDict): void {
  const groups = optimizer.paramGroups;
  if (osd.paramGroups.length !== groups.length) {
    throw new CheckpointError(
      `loadCheckpoint: the checkpoint's optimizer has ${osd.paramGroups.length} parameter groups, this one ${groups.length}`,
    );
  }
  const params = [...optimizer.parameters()];
  osd.paramGroups.forEach((g, i) => {
    if (g.params.length !== groups[i].params.length) {
      throw new CheckpointError(
        `loadCheckpoint: optimizer group ${i} has ${g.params.length} parameters in the checkpoint, ${groups[i].params.length} here`,
      );
    }
  });
  for (const [index, s] of Object.entries(osd.state)) {
    const p = params[Number(index)];
    if (!p)
      throw new CheckpointError(
        `loadCheckpoint: optimizer state for parameter ${index}, but this optimizer has ${params.length} parameters`,
      );
    for (const [key, v] of Object.entries(s)) {
      if (isTensor(v) && v.size !== p.size) {
        throw new CheckpointError(
          `loadCheckpoint: tensor 'optimizer.state.${index}.${key}' has shape [${v.shape.join(', ')}], but parameter ${index} has shape [${p.shape.join(', ')}]`,
        );
      }
    }
  }
}
