/**
 * The patch transformer (a small ViT): the digit `[B, 1, 28, 28]` cut into 16 patches of 7x7, each embedded
 * into 64 dims (a stride-7 convolution, the same as a Linear 49->64 per patch), a learned position
 * embedding, 2 pre-norm `TransformerEncoderLayer`s (4 heads, feed-forward 128), a final LayerNorm, the mean
 * of the 16 tokens and a Linear 64->10. Its constraints: a per-unit max-norm on the feed-forward weights and
 * on the classifier, and the global gradient clip.
 */
import { constraints, nn, randn, type Tensor } from '@cp/core';
import { type ConstraintSettings, clipRegistration, type ModelSpec, type Registration } from './spec.js';

/** Tokens, width, heads, layers and feed-forward width of the patch transformer. */
const TOKENS = 16;
const DIM = 64;
const HEADS = 4;
const LAYERS = 2;
const FEEDFORWARD = 128;

/** Patch embedding, position embedding, encoder layers, mean pooling and a linear head. */
export class PatchTransformer extends nn.Module {
  patch = new nn.Conv2d(1, DIM, 7, { stride: 7 });
  pos = new nn.Parameter(randn([1, TOKENS, DIM]).mul(0.02));
  encoder = new nn.ModuleList<nn.TransformerEncoderLayer>(
    Array.from(
      { length: LAYERS },
      () =>
        new nn.TransformerEncoderLayer(DIM, HEADS, {
          dimFeedforward: FEEDFORWARD,
          dropout: 0.1,
          batchFirst: true,
          normFirst: true,
          activation: 'gelu',
        }),
    ),
  );
  norm = new nn.LayerNorm(DIM);
  head = new nn.Linear(DIM, 10);

  override forward(x: Tensor): Tensor {
    // [B, 64, 4, 4] -> [B, 64, 16] -> [B, 16, 64]: one token per patch, in row-major patch order.
    let t = this.patch.call(x).flatten(2).transpose(1, 2).add(this.pos);
    for (const layer of this.encoder) t = layer.call(t);
    return this.head.call(this.norm.call(t).mean(1));
  }
}

/** The feed-forward weights of every encoder layer, which carry a per-unit `maxNorm`. */
export const VIT_FEEDFORWARD = Array.from({ length: LAYERS }, (_, i) => [
  `encoder.${i}.linear1.weight`,
  `encoder.${i}.linear2.weight`,
]).flat();

function register(
  model: nn.Module,
  settings: ConstraintSettings,
  parts: readonly string[] = VIT.parts,
): Registration[] {
  const out: Registration[] = [];
  const maxNorm = (name: string, why: string) => {
    const c = constraints.maxNorm(settings.maxNorm, { dim: 1 });
    model.registerConstraint(name, c);
    out.push({ target: name, constraint: String(c), mode: 'project', why });
  };
  if (parts.includes('feedforward')) {
    for (const name of VIT_FEEDFORWARD)
      maxNorm(name, 'bounds each feed-forward unit, which keeps the residual stream from blowing up on small data');
  }
  if (parts.includes('head'))
    maxNorm('head.weight', "bounds each class's weight vector, so no class wins by scale alone");
  if (parts.includes('clip')) {
    out.push(
      clipRegistration(
        settings.clipNorm,
        'attention logits make early transformer steps spiky; clipping steadies them',
      ),
    );
  }
  return out;
}

/** The patch transformer as one of the main job's models. */
export const VIT: ModelSpec = {
  name: 'vit',
  title: `patch transformer: 7x7 patches -> ${TOKENS} tokens of dim ${DIM}, learned positions, ${LAYERS} pre-norm encoder layers (${HEADS} heads), mean pool, Linear ${DIM}->10`,
  create: () => new PatchTransformer(),
  inputShape: (n) => [n, 1, 28, 28],
  parts: ['feedforward', 'head', 'clip'],
  partLabels: {
    feedforward: 'maxNorm per unit on the feed-forward weights (projection)',
    head: 'maxNorm per class on head.weight (projection)',
    clip: 'clipGradNorm (global gradient norm)',
  },
  register,
  normed: [...VIT_FEEDFORWARD, 'head.weight'],
  defaults: { epochs: 20, batch: 64, lr: 2e-3, schedule: 'oneCycle', shift: 2, maxNorm: 3, clipNorm: 1 },
  target: 0.95,
};
