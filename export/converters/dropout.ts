/**
 * Regularization layers that are the identity at inference: they vanish from the graph.
 * SpatialDropout2D is not a tfjs-layers class; models that register their own (or use Dropout with
 * a noise shape, tinynet's Dropout2d) land here as well.
 */
import { registerConverter, type ConvertContext } from '../registry.js';

const identity = (ctx: ConvertContext) => [ctx.inputs[0]];

registerConverter(
  ['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization'],
  identity,
);
