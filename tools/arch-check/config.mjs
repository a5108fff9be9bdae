/**
 * What the architecture lint (`node tools/arch-check/src/main.mjs`, run by `@cp/arch-check:lint`) holds the
 * workspace to. Every path is workspace-relative; patterns take `*` (within one folder) and `**` (any
 * folders). README.md beside this file explains each rule.
 */
const core = 'packages/core/src';

/** The rules; the tests build their own with the same shape. */
export default {
  /** The source roots: their files make the import graph and are searched for kernel calls. */
  sources: ['packages/*/src'],
  /** The workspace packages, whose package.json `exports` (condition `@cp/source`) resolve `@cp/...` imports. */
  packages: ['packages/*'],

  cycles: {
    /**
     * The documented cycle (STYLE.md: "Tensor methods <-> ops"; README.md beside this file): Tensor's
     * methods call the ops and the ops build Tensors, through the dispatch (engine/dispatch.ts, the part of
     * every op that runs its kernel and names it), and every op and Tensor method checks its arguments with
     * tensor/validate.ts (which knows Tensor). Any cycle among these files is allowed.
     */
    documented: [
      `${core}/tensor/tensor.ts`,
      `${core}/tensor/validate.ts`,
      `${core}/ops/**`,
      `${core}/engine/dispatch.ts`,
    ],
    /**
     * The other runtime import edges that the tree had on a cycle when this check was added, each
     * allowed by name. An edge not listed here that closes a cycle fails; an edge listed here that no
     * longer lies on a cycle fails too (delete it). Do not add to this list: break the cycle instead
     * (move the shared code into a file both sides import, or make a type-only import `import type`).
     */
    allowedEdges: [
      // tensor/validate.ts checks arguments (`instanceof Tensor`); nested arrays and creation call it too.
      [`${core}/tensor/nested.ts`, `${core}/tensor/validate.ts`],
      [`${core}/tensor/creation.ts`, `${core}/tensor/validate.ts`],
      // tensor/nested.ts turns nested arrays into data (it reads stored values through validate.ts).
      [`${core}/tensor/tensor.ts`, `${core}/tensor/nested.ts`],
      [`${core}/tensor/creation.ts`, `${core}/tensor/nested.ts`],
      // tensor/creation.ts allocates through the dispatch's `empty`, and ops build zeros and fill values with it.
      [`${core}/tensor/creation.ts`, `${core}/engine/dispatch.ts`],
      [`${core}/ops/assign.ts`, `${core}/tensor/creation.ts`],
      [`${core}/ops/elementwise.ts`, `${core}/tensor/creation.ts`],
      // Tensor.backward() runs autograd/backward.ts, which walks Tensors and allocates gradients.
      [`${core}/tensor/tensor.ts`, `${core}/autograd/backward.ts`],
      [`${core}/autograd/backward.ts`, `${core}/tensor/tensor.ts`],
      [`${core}/autograd/backward.ts`, `${core}/engine/dispatch.ts`],
    ],
  },

  kernelCalls: {
    /** Where a kernel call is checked: the whole engine. */
    scope: [`${core}/**`],
    /** The one module that may call kernels (issue 9, item 1). */
    dispatch: [`${core}/engine/dispatch.ts`],
  },

  fileSize: {
    /** The report covers the TypeScript sources and the Rust kernels. */
    roots: ['packages/*/src', 'packages/*/crate/src'],
    extensions: ['ts', 'tsx', 'mts', 'cts', 'js', 'mjs', 'cjs', 'rs'],
    /** STYLE.md: no file over about 400 lines without a reason. */
    limit: 400,
  },
};
