/** The float64 reference: scalar rules, required and fused kernels, and a complete reference backend. */
export * from './fused.js';
export * from './kernels.js';
export * from './reference-backend.js';
export * from './scalar.js';
