/**
 * Conv gradients in standard ops (onnxruntime's ConvGrad is not in onnxruntime-node):
 *   input  dx: stride 1 — a Conv of dy with the filter flipped 180° and its channel axes swapped;
 *              stride s — ConvTranspose of dy with the same filter, its output padding restoring H×W;
 *   filter dw: one MatMul per filter tap, dyᵀ [Co, N·Ho·Wo] · x shifted by the tap [N·Ho·Wo, Ci];
 *   bias   db: Σ dy over batch and space.
 * bench/ort-conv-grad measures these formulations.
 */
import { attr } from '../../../onnx/ir.js';
import type { GradContext } from './registry.js';
import { intAttr, intsAttr, registerGradient } from './registry.js';

function convGeometry(ctx: GradContext) {
  const { tg, node } = ctx;
  const [x, w] = node.inputs;
  const [, ci, h, wd] = tg.shape(x) as [unknown, number, number, number];
  const [co, , kh, kw] = tg.shape(w) as number[];
  const [, , ho, wo] = tg.shape(node.outputs[0]) as [unknown, number, number, number];
  const strides = intsAttr(node, 'strides', [1, 1]);
  const dilations = intsAttr(node, 'dilations', [1, 1]);
  const pads = intsAttr(node, 'pads', [0, 0, 0, 0]);
  if (intAttr(node, 'group', 1) !== 1) {
    throw new Error(`Conv gradient: grouped convolutions are not supported (node ${node.name})`);
  }
  return { x, w, ci, h, wd, co, kh, kw, ho, wo, strides, dilations, pads };
}

function inputGradient(ctx: GradContext): string {
  const { tg, scope } = ctx;
  const c = convGeometry(ctx);
  const dy = ctx.dy[0] as string;
  const span = [(c.kh - 1) * c.dilations[0] + 1, (c.kw - 1) * c.dilations[1] + 1];
  const dims = tg.shape(c.x);
  if (c.strides[0] === 1 && c.strides[1] === 1) {
    const flipped = tg.op(
      'Slice',
      [
        c.w,
        tg.int64s(`${scope}/flip_start`, [-1, -1]),
        tg.int64s(`${scope}/flip_stop`, [-c.kh - 1, -c.kw - 1]),
        tg.int64s(`${scope}/flip_axes`, [2, 3]),
        tg.int64s(`${scope}/flip_steps`, [-1, -1]),
      ],
      {},
      tg.shape(c.w),
      `${scope}/Flip`,
    );
    const swapped = tg.op('Transpose', [flipped], { perm: attr.ints([1, 0, 2, 3]) }, [c.ci, c.co, c.kh, c.kw], `${scope}/SwapChannels`);
    const pads = [span[0] - 1 - c.pads[0], span[1] - 1 - c.pads[1], span[0] - 1 - c.pads[2], span[1] - 1 - c.pads[3]];
    return tg.op(
      'Conv',
      [dy, swapped],
      { kernel_shape: attr.ints([c.kh, c.kw]), dilations: attr.ints(c.dilations), pads: attr.ints(pads) },
      dims,
      `${scope}/dX`,
    );
  }
  // ConvTranspose output = s·(Ho − 1) + span − pad_begin − pad_end + output_padding; make it H×W.
  const outputPadding = [
    c.h - (c.strides[0] * (c.ho - 1) + span[0] - c.pads[0] - c.pads[2]),
    c.wd - (c.strides[1] * (c.wo - 1) + span[1] - c.pads[1] - c.pads[3]),
  ];
  return tg.op(
    'ConvTranspose',
    [dy, c.w],
    {
      kernel_shape: attr.ints([c.kh, c.kw]),
      strides: attr.ints(c.strides),
      dilations: attr.ints(c.dilations),
      pads: attr.ints(c.pads),
      output_padding: attr.ints(outputPadding),
    },
    dims,
    `${scope}/dX`,
  );
}

function filterGradient(ctx: GradContext): string {
  const { tg, scope } = ctx;
  const c = convGeometry(ctx);
  const dy = ctx.dy[0] as string;
  const rows = tg.op(
    'Reshape',
    [tg.op('Transpose', [dy], { perm: attr.ints([1, 0, 2, 3]) }, [c.co, 'N', c.ho, c.wo], `${scope}/dyT`), tg.int64s(`${scope}/rows`, [c.co, -1])],
    {},
    [c.co, 'N'],
    `${scope}/dyRows`,
  );
  const [top, left, bottom, right] = c.pads;
  const [hp, wp] = [c.h + top + bottom, c.wd + left + right];
  const padded =
    top + left + bottom + right > 0
      ? tg.op('Pad', [c.x, tg.int64s(`${scope}/pads`, [0, 0, top, left, 0, 0, bottom, right])], {}, ['N', c.ci, hp, wp], `${scope}/Pad`)
      : c.x;
  const channelsLast = tg.op('Transpose', [padded], { perm: attr.ints([0, 2, 3, 1]) }, ['N', hp, wp, c.ci], `${scope}/ToNHWC`);
  const taps: string[] = [];
  for (let a = 0; a < c.kh; a++) {
    for (let b = 0; b < c.kw; b++) {
      const [r0, c0] = [a * c.dilations[0], b * c.dilations[1]];
      const [r1, c1] = [r0 + (c.ho - 1) * c.strides[0] + 1, c0 + (c.wo - 1) * c.strides[1] + 1];
      const whole = r0 === 0 && c0 === 0 && r1 === hp && c1 === wp && c.strides[0] === 1 && c.strides[1] === 1;
      const shifted = whole
        ? channelsLast
        : tg.op(
            'Slice',
            [
              channelsLast,
              tg.int64s(`${scope}/start`, [r0, c0]),
              tg.int64s(`${scope}/stop`, [r1, c1]),
              tg.int64s(`${scope}/axes`, [1, 2]),
              tg.int64s(`${scope}/steps`, c.strides),
            ],
            {},
            ['N', c.ho, c.wo, c.ci],
            `${scope}/Tap`,
          );
      const positions = tg.op('Reshape', [shifted, tg.int64s(`${scope}/cols`, [-1, c.ci])], {}, ['N', c.ci], `${scope}/Positions`);
      const tap = tg.op('MatMul', [rows, positions], {}, [c.co, c.ci], `${scope}/TapMatMul`);
      taps.push(c.kh * c.kw === 1 ? tap : tg.op('Unsqueeze', [tap, tg.int64s(`${scope}/tap_axis`, [2])], {}, [c.co, c.ci, 1], `${scope}/TapUnsqueeze`));
    }
  }
  const stacked = taps.length === 1 ? taps[0] : tg.op('Concat', taps, { axis: attr.int(2) }, [c.co, c.ci, c.kh * c.kw], `${scope}/Taps`);
  return tg.op('Reshape', [stacked, tg.int64s(`${scope}/dw_shape`, [c.co, c.ci, c.kh, c.kw])], {}, [c.co, c.ci, c.kh, c.kw], `${scope}/dW`);
}

registerGradient('Conv', (ctx) => {
  const { tg, node, needs, scope } = ctx;
  const dy = ctx.dy[0] as string;
  const co = Number(tg.shape(node.inputs[1])[0]);
  return [
    needs[0] ? inputGradient(ctx) : null,
    needs[1] ? filterGradient(ctx) : null,
    node.inputs[2] && needs[2] ? tg.op('ReduceSum', [dy, tg.int64s(`${scope}/bias_axes`, [0, 2, 3])], { keepdims: attr.int(0) }, [co], `${scope}/dB`) : null,
  ];
});
