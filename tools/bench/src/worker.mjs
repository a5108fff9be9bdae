/**
 * Runs ONE engine × case in this fresh process and prints one result line, `@@result <json>`, on stdout
 * (libraries may print their own lines around it). Usage: node worker.mjs '<json spec>' where the spec is
 * { engine, case: 'matmul'|'elementwise'|'mlp'|'cnn'|'lstm'|'vit', n?, constraint?, quick }.
 */

import {
  checkElementwise,
  checkMatmul,
  checkMlp,
  cnnInputs,
  elementwiseInputs,
  matmulInputs,
  mlpInputs,
  vitInputs,
} from './data.mjs';
import { NotAvailable } from './engines/common.mjs';
import { ENGINES } from './engines.mjs';
import { BUDGETS, measure, summarize } from './timing.mjs';

const spec = JSON.parse(process.argv[2]);

/** The training-step cases and their inputs (the LSTM reads the CNN's images as 28 rows of 28). */
const MODEL_INPUTS = { mlp: mlpInputs, cnn: cnnInputs, lstm: cnnInputs, vit: vitInputs };
const budget = spec.quick ? BUDGETS.quick : BUDGETS.full;

function emit(result) {
  process.stdout.write(`@@result ${JSON.stringify({ ...spec, ...result })}\n`);
}

async function run() {
  const def = ENGINES[spec.engine];
  if (!def) throw new Error(`unknown engine '${spec.engine}'`);
  const { load } = await import(def.module);
  const engine = await load(def.variant);
  const meta = { info: engine.info, timed: engine.timed[spec.case] };

  if (spec.case === 'matmul' || spec.case === 'elementwise') {
    const inputs = spec.case === 'matmul' ? matmulInputs(spec.n) : elementwiseInputs();
    const kernel =
      spec.case === 'matmul'
        ? engine.matmul(inputs.a, inputs.b, spec.n)
        : engine.elementwise(inputs.a, inputs.b, inputs.c);
    // The check runs before any timing: a wrong result is reported, never timed.
    const got = await kernel.read();
    const check =
      spec.case === 'matmul'
        ? checkMatmul(inputs.a, inputs.b, spec.n, got)
        : checkElementwise(inputs.a, inputs.b, inputs.c, got);
    if (!check.ok) return emit({ ok: false, error: `wrong result: ${check.detail}`, meta });
    const samples = await measure(kernel.run, budget);
    kernel.dispose();
    return emit({ ok: true, ...summarize(samples), samples, check, meta });
  }

  if (spec.case in MODEL_INPUTS) {
    const { x, labels } = MODEL_INPUTS[spec.case]();
    if (!engine[spec.case]) throw new NotAvailable(`${spec.engine}: no ${spec.case} step in its adapter`);
    const model = await engine[spec.case](x, labels, spec.constraint);
    const losses = [];
    const step = () => {
      const r = model.step();
      if (r instanceof Promise) return r.then((l) => losses.push(l));
      losses.push(r);
    };
    const samples = await measure(step, budget);
    model.dispose();
    // With a constraint the loss may start anywhere (e.g. unitNorm rows scale the logits): only finiteness counts.
    const check = spec.constraint
      ? { ok: losses.every(Number.isFinite), first: losses[0], last: losses.at(-1) }
      : checkMlp(losses);
    if (!check.ok)
      return emit({
        ok: false,
        error: `bad training: ${check.detail ?? `losses ${losses[0]} -> ${losses.at(-1)}`}`,
        meta,
      });
    return emit({ ok: true, ...summarize(samples), samples, check, meta });
  }
  throw new Error(`unknown case '${spec.case}'`);
}

try {
  await run();
} catch (e) {
  const na = e?.name === 'NotAvailable';
  emit({
    ok: false,
    notAvailable: na,
    error: na ? e.message : `${e?.name ?? 'Error'}: ${String(e?.message ?? e).split('\n')[0]}`,
    stack: na ? undefined : e?.stack,
  });
}
// Some engines keep handles (wasm instances, timers) alive; the result is out, so leave now.
process.exit(0);
