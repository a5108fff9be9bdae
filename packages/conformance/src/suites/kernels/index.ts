/** The kernel conformance suites: storage, then every required kernel, then the fused kernels a backend has. */
import type { Suite } from '../../context.js';
import { binarySuite } from './binary.js';
import { castCopySuite } from './cast-copy.js';
import { compareWhereSuite } from './compare-where.js';
import { fusedSuite } from './fused.js';
import { fusedLstmSuite } from './fused-lstm.js';
import { fusedOptimSuite } from './fused-optim.js';
import { fusedProjectionsSuite } from './fused-projections.js';
import { fusedReparamSuite } from './fused-reparam.js';
import { fusedSyrkSuite } from './fused-syrk.js';
import { matmulGatherSuite } from './matmul-gather.js';
import { reduceSuite } from './reduce.js';
import { scanSortSuite } from './scan-sort.js';
import { kernelStorageSuite } from './storage.js';
import { unarySuite } from './unary.js';

/** Kernel suites, in the order they run. */
export const KERNEL_SUITES: readonly Suite[] = [
  kernelStorageSuite,
  unarySuite,
  binarySuite,
  compareWhereSuite,
  castCopySuite,
  reduceSuite,
  scanSortSuite,
  matmulGatherSuite,
  fusedSuite,
  fusedOptimSuite,
  fusedProjectionsSuite,
  fusedReparamSuite,
  fusedLstmSuite,
  fusedSyrkSuite,
];
