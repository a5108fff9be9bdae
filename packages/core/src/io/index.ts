/**
 * `io`: safetensors bytes (as PyTorch's `safetensors` reads them) and checkpoints of a model, its
 * optimizer and training metadata. No Node APIs: write the bytes with `fs` or offer them as a download.
 */

export {
  CHECKPOINT_FORMAT,
  CheckpointError,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  loadCheckpoint,
  type SaveCheckpointOptions,
  saveCheckpoint,
} from './checkpoint.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  type RawTensor,
  type Safetensors,
  SafetensorsError,
} from './safetensors.js';
