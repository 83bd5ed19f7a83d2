/**
 * Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate. Inputs are brought to one
 * layout first (NCHW when any input is NCHW, so residual additions stay in the conv layout).
 */
import { attr } from '../../onnx/ir.js';
import { onnxAxis, value, type Layout, type TensorValue } from '../layout.js';
import { registerConverter, unsupported, type ConvertContext } from '../registry.js';

function commonLayout(ctx: ConvertContext): TensorValue[] {
  const ranks = new Set(ctx.inputs.map((t) => t.shape.length));
  if (ranks.size !== 1) throw unsupported(ctx, 'merging tensors of different ranks');
  const layout: Layout = ctx.inputs.some((t) => t.layout === 'cf') ? 'cf' : 'keras';
  return ctx.inputs.map((t) => ctx.as(t, layout));
}

/** Chain a binary op over all inputs (ONNX Add/Mul/Sub are binary; Max/Min are variadic). */
function elementwise(op: string, variadic = false) {
  return (ctx: ConvertContext): TensorValue[] => {
    const xs = commonLayout(ctx);
    let y: string;
    if (variadic)
      y = ctx.g.op(
        op,
        xs.map((x) => x.name),
        {},
        `${ctx.scope}/${op}`,
      );
    else {
      y = xs[0].name;
      for (let i = 1; i < xs.length; i++) y = ctx.g.op(op, [y, xs[i].name], {}, `${ctx.scope}/${op}`);
    }
    return [value(y, xs[0].layout, ctx.outputShapes[0])];
  };
}

function average(ctx: ConvertContext): TensorValue[] {
  const xs = commonLayout(ctx);
  const sum = ctx.g.op(
    'Sum',
    xs.map((x) => x.name),
    {},
    `${ctx.scope}/Sum`,
  );
  const y = ctx.g.op('Mul', [sum, ctx.g.scalar(`${ctx.scope}/inv_n`, 1 / xs.length)], {}, `${ctx.scope}/Mul`);
  return [value(y, xs[0].layout, ctx.outputShapes[0])];
}

function concatenate(ctx: ConvertContext): TensorValue[] {
  const xs = commonLayout(ctx);
  const rank = xs[0].shape.length;
  const axis = onnxAxis(Number(ctx.config.axis ?? -1), rank, xs[0].layout);
  const y = ctx.g.op(
    'Concat',
    xs.map((x) => x.name),
    { axis: attr.int(axis) },
    `${ctx.scope}/Concat`,
  );
  return [value(y, xs[0].layout, ctx.outputShapes[0])];
}

registerConverter('Add', elementwise('Add'));
registerConverter('Subtract', elementwise('Sub'));
registerConverter('Multiply', elementwise('Mul'));
registerConverter('Maximum', elementwise('Max', true));
registerConverter('Minimum', elementwise('Min', true));
registerConverter('Average', average);
registerConverter('Concatenate', concatenate);
