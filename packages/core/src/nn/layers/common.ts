/** Helpers the layers share: making a zero-filled Parameter of a shape, and checking constructor sizes. */
import { withOp } from '../../engine/dispatch.js';
import { ArgumentError } from '../../errors.js';
import { zeros } from '../../tensor/creation.js';
import type { Shape } from '../../tensor/shape.js';
import { Parameter } from '../parameter.js';

/** A new float32 Parameter of `shape` filled with zeros (an initializer fills it next); errors name `op`. */
export function zeroParameter(op: string, shape: Shape): Parameter {
  const data = withOp(op, () => zeros(shape));
  const p = new Parameter(data);
  data.dispose();
  return p;
}

/** Throws unless `value` is an integer >= `min`. */
export function checkSize(op: string, name: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min)
    throw new ArgumentError(`${op}: ${name} must be an integer >= ${min}, got ${value}`);
}
