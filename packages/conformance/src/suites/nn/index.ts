/** The nn behaviour suites: Module mechanics, state dicts, layers, init, losses, gradients, constraints, training. */
import type { Suite } from '../../context.js';
import { nnAttentionSuite } from './attention.js';
import { nnConstraintsSuite } from './constraints.js';
import { nnContainersSuite } from './containers.js';
import { nnGradientsSuite } from './gradients.js';
import { nnInitSuite } from './init.js';
import { nnLayersSuite } from './layers.js';
import { nnLossesSuite } from './losses.js';
import { nnModuleSuite } from './module.js';
import { nnNormalizationSuite } from './normalization.js';
import { nnRecurrentSuite } from './recurrent.js';
import { nnStateDictSuite } from './state-dict.js';
import { nnTrainingSuite } from './training.js';
import { nnWindowSuite } from './window.js';

/** The nn suites, in the order they run. */
export const NN_SUITES: readonly Suite[] = [
  nnModuleSuite,
  nnStateDictSuite,
  nnLayersSuite,
  nnContainersSuite,
  nnNormalizationSuite,
  nnRecurrentSuite,
  nnAttentionSuite,
  nnInitSuite,
  nnLossesSuite,
  nnGradientsSuite,
  nnConstraintsSuite,
  nnTrainingSuite,
  nnWindowSuite,
];
