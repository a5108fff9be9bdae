/** `nn.utils`: gradient clipping (written in constraints/clip.ts, re-exported under PyTorch's `nn.utils` path). */
export {
  type ClipGradNormOptions,
  clipGradNorm,
  clipGradNormAsync,
  clipGradValue,
  type GradTargets,
} from '../constraints/clip.js';
