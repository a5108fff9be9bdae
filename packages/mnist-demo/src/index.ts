/**
 * @cp/mnist-demo's browser-safe parts, shared with the playground: the digits and their split, the model
 * and its constraints, the trainer, the backend choice, and the SVG charts.
 */
export * from './backend.js';
export * from './data/digits.js';
export * from './model.js';
export * from './report/charts.js';
export * from './report/confusion.js';
export * from './report/digit-grid.js';
export * from './train/monitor.js';
export * from './train/settings.js';
export * from './train/trainer.js';
export * from './train/weights.js';
