/**
 * Keras activation functions (the `activation` argument of Dense/Conv/Activation) as ONNX nodes.
 * Elementwise, so they run in whatever layout the value is in; softmax maps its axis.
 * Formulas follow tfjs-layers/src/activations.ts exactly (e.g. hard_sigmoid is 0.2·x + 0.5).
 */
import { attr } from '../../onnx/ir.js';
import { onnxAxis, value, type TensorValue } from '../layout.js';
import type { ConvertContext } from '../registry.js';
import { TinynetError } from '../../core/errors.js';

/** tfjs spells some names in camelCase, Keras in snake_case; both reach us through model.json. */
const ALIASES: Record<string, string> = {
  hardSigmoid: 'hard_sigmoid',
  silu: 'swish',
  logSoftmax: 'log_softmax',
  geluNew: 'gelu_new',
};

export function activationName(identifier: unknown): string {
  if (identifier == null) return 'linear';
  let name: string;
  if (typeof identifier === 'string') name = identifier;
  else if (typeof identifier === 'object' && identifier && 'className' in identifier) name = String((identifier as { className: unknown }).className);
  else name = String(identifier);
  return ALIASES[name] ?? name;
}

export const SUPPORTED_ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'gelu',
  'gelu_new',
  'sigmoid',
  'hard_sigmoid',
  'tanh',
  'softmax',
  'log_softmax',
  'softplus',
  'softsign',
  'swish',
  'mish',
];

export function applyActivation(ctx: ConvertContext, t: TensorValue, identifier: unknown, scope = ctx.scope): TensorValue {
  const name = activationName(identifier);
  const g = ctx.g;
  const x = t.name;
  const out = (n: string) => value(n, t.layout, t.shape);
  const s = (suffix: string) => `${scope}/${suffix}`;
  switch (name) {
    case 'linear':
      return t;
    case 'relu':
      return out(g.op('Relu', [x], {}, s('Relu')));
    case 'relu6':
      return out(g.op('Clip', [x, g.scalar(s('zero'), 0), g.scalar(s('six'), 6)], {}, s('Relu6')));
    case 'elu':
      return out(g.op('Elu', [x], { alpha: attr.float(1) }, s('Elu')));
    case 'selu':
      // tfjs uses the same constants as ONNX's defaults; spell them out for readers.
      return out(g.op('Selu', [x], { alpha: attr.float(1.6732632423543772), gamma: attr.float(1.0507009873554805) }, s('Selu')));
    case 'sigmoid':
      return out(g.op('Sigmoid', [x], {}, s('Sigmoid')));
    case 'hard_sigmoid':
      return out(g.op('HardSigmoid', [x], { alpha: attr.float(0.2), beta: attr.float(0.5) }, s('HardSigmoid')));
    case 'tanh':
      return out(g.op('Tanh', [x], {}, s('Tanh')));
    case 'softplus':
      return out(g.op('Softplus', [x], {}, s('Softplus')));
    case 'softsign':
      return out(g.op('Softsign', [x], {}, s('Softsign')));
    case 'softmax':
    case 'log_softmax': {
      const axis = onnxAxis(-1, t.shape.length, t.layout);
      return out(g.op(name === 'softmax' ? 'Softmax' : 'LogSoftmax', [x], { axis: attr.int(axis) }, s(name === 'softmax' ? 'Softmax' : 'LogSoftmax')));
    }
    case 'swish': {
      const sig = g.op('Sigmoid', [x], {}, s('swish/Sigmoid'));
      return out(g.op('Mul', [x, sig], {}, s('swish/Mul')));
    }
    case 'mish': {
      const sp = g.op('Softplus', [x], {}, s('mish/Softplus'));
      const th = g.op('Tanh', [sp], {}, s('mish/Tanh'));
      return out(g.op('Mul', [x, th], {}, s('mish/Mul')));
    }
    case 'gelu': {
      // Exact GELU (erf form), as tfjs computes it; opset 17 has no Gelu op.
      const scaled = g.op('Div', [x, g.scalar(s('gelu/sqrt2'), Math.SQRT2)], {}, s('gelu/Div'));
      const erf = g.op('Erf', [scaled], {}, s('gelu/Erf'));
      const onePlus = g.op('Add', [erf, g.scalar(s('gelu/one'), 1)], {}, s('gelu/Add'));
      const half = g.op('Mul', [onePlus, g.scalar(s('gelu/half'), 0.5)], {}, s('gelu/Mul'));
      return out(g.op('Mul', [x, half], {}, s('gelu/Mul2')));
    }
    case 'gelu_new': {
      // Tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
      const cube = g.op('Pow', [x, g.scalar(s('gelu/three'), 3)], {}, s('gelu/Pow'));
      const inner = g.op('Add', [x, g.op('Mul', [cube, g.scalar(s('gelu/c'), 0.044715)], {}, s('gelu/Mul'))], {}, s('gelu/Add'));
      const th = g.op('Tanh', [g.op('Mul', [inner, g.scalar(s('gelu/k'), Math.sqrt(2 / Math.PI))], {}, s('gelu/Mul2'))], {}, s('gelu/Tanh'));
      const onePlus = g.op('Add', [th, g.scalar(s('gelu/one'), 1)], {}, s('gelu/Add2'));
      return out(g.op('Mul', [g.op('Mul', [x, onePlus], {}, s('gelu/Mul3')), g.scalar(s('gelu/half'), 0.5)], {}, s('gelu/Mul4')));
    }
    default:
      throw new TinynetError(
        'export.unsupported_layer',
        `cannot export layer "${ctx.layer.name}" (${ctx.className}): activation "${name}" has no ONNX converter`,
        `supported activations: ${SUPPORTED_ACTIVATIONS.join(', ')}`,
      );
  }
}
