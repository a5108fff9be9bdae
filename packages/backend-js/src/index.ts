/**
 * @cp/backend-js: the typed-array backend of cp. `createJsBackend()` makes a backend; nothing
 * registers itself on import. The kernel functions are exported too, for reuse over plain typed arrays.
 */
export { StorageError, UnknownHandleError, UnsupportedDTypeError } from './errors.js';
export { createJsBackend, type JsBackendOptions } from './js-backend.js';
export { binaryF32, binaryI32 } from './kernels/binary.js';
export { binaryScalarF32, binaryScalarI32 } from './kernels/binary-scalar.js';
export { boxTransform } from './kernels/box-transform.js';
export { cast, castScalar, toBool, toInt32Saturating } from './kernels/cast.js';
export { compare } from './kernels/compare.js';
export { copyStrided, fill } from './kernels/copy-strided.js';
export { erf } from './kernels/erf.js';
export { gather, scatterAdd } from './kernels/gather.js';
export { gemm, matmul, type Operand } from './kernels/matmul.js';
export { type AdamOptions, adamUpdate, type SgdOptions, sgdUpdate } from './kernels/optimizer-updates.js';
export { clamp, renormSlices } from './kernels/projections.js';
export { argReduce, reduceFloat, reduceI32 } from './kernels/reduce.js';
export { l1BallProject, simplexProject, simplexThreshold } from './kernels/simplex.js';
export { logSoftmax, softmax, softmaxCrossEntropy } from './kernels/softmax.js';
export { reluF32, sigmoid, unaryF32, unaryI32 } from './kernels/unary.js';
export { where } from './kernels/where.js';
export { DEFAULT_MAX_BYTES, defaultMaxBytes } from './memory-limit.js';
