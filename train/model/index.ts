export { buildResNet, type ModelShape } from './resnet.js';
export { SpatialDropout2D, seedDropout, dropoutRngState } from './spatial-dropout.js';
export { summarizeModel, formatSummary, type ModelSummary, type LayerRow } from './summary.js';
