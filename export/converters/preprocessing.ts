/** Keras preprocessing layers that survive into inference graphs: Rescaling (x·scale + offset). */
import { value, type TensorValue } from '../layout.js';
import { registerConverter, type ConvertContext } from '../registry.js';

function rescaling(ctx: ConvertContext): TensorValue[] {
  const t = ctx.inputs[0];
  const g = ctx.g;
  let y = g.op('Mul', [t.name, g.scalar(`${ctx.scope}/scale`, Number(ctx.config.scale ?? 1))], {}, `${ctx.scope}/Mul`);
  const offset = Number(ctx.config.offset ?? 0);
  if (offset !== 0) y = g.op('Add', [y, g.scalar(`${ctx.scope}/offset`, offset)], {}, `${ctx.scope}/Add`);
  return [value(y, t.layout, t.shape)];
}

registerConverter('Rescaling', rescaling);
