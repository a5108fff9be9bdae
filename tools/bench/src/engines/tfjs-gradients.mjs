/**
 * Registers TF.js's gradients without the @tensorflow/tfjs bundle. tfjs-core's Node entry (tf-core.node.js)
 * has no gradients; they ship only as ES modules with extensionless relative imports
 * (dist/register_all_gradients.js → './gradients/Abs_grad'), which Node's ESM loader rejects. The
 * @tensorflow/tfjs bundle registers the same files; here a resolve hook adds the '.js' for files under
 * tfjs-core's dist/ so that file can be imported as it is. The registries and the engine are global
 * (`_tfGlobals`, `_tfengine`), so the gradients land where the Node entry's `minimize` looks for them. The
 * chained ops (for tfjs-layers) load the same way.
 */
import { register } from 'node:module';

const hook = `
export async function resolve(specifier, context, next) {
  if (context.parentURL?.includes('/@tensorflow/tfjs-core/dist/') && /^\\.\\.?\\//.test(specifier) && !/\\.m?js$/.test(specifier)) {
    try {
      return await next(specifier + '.js', context);
    } catch {
      return next(specifier + '/index.js', context);
    }
  }
  return next(specifier, context);
}`;

let hooked = false;

function hookOnce() {
  if (!hooked) register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url);
  hooked = true;
}

/** Imports tfjs-core's register_all_gradients once. */
export async function registerAllGradients() {
  hookOnce();
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
}

/**
 * Imports tfjs-core's chained ops (`t.flatten()`, ...), which tfjs-layers calls (its orthogonal initializer)
 * and the @tensorflow/tfjs bundle registers. They patch the global Tensor class (`getGlobalTensorClass`), so
 * the Node entry's tensors get them.
 */
export async function registerChainedOps() {
  hookOnce();
  await import('@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js');
}
