/** The registry of the main job's models, by `--model` name. */
import { CNN } from './cnn.js';
import { LSTM } from './lstm.js';
import { MLP } from './mlp.js';
import type { ModelName, ModelSpec } from './spec.js';
import { VIT } from './vit.js';

/** Every model, by name, in the order `--model all` trains them. */
export const MODELS: Readonly<Record<ModelName, ModelSpec>> = { mlp: MLP, cnn: CNN, lstm: LSTM, vit: VIT };
