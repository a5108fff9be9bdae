/**
 * @cp/mnist-demo's browser-safe parts, shared with the playground: the digits and their split, the models
 * and their constraints, the trainer, the backend choice, and the SVG charts.
 */
export * from './backend.js';
export * from './data/augment.js';
export * from './data/digits.js';
export * from './models/cnn.js';
export * from './models/index.js';
export * from './models/lstm.js';
export * from './models/mlp.js';
export * from './models/spec.js';
export * from './models/vit.js';
export * from './report/charts.js';
export * from './report/confusion.js';
export * from './report/digit-grid.js';
export * from './train/monitor.js';
export * from './train/settings.js';
export * from './train/trainer.js';
export * from './train/weights.js';
