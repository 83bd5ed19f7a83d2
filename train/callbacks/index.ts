export { nanGuard } from './nan-guard.js';
export { earlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { modelCheckpoint, type CheckpointOptions } from './checkpoint.js';
export { progressLogger, memoryText } from './logging.js';
export { tensorBoard, hparamsOf, runDir, EPOCH_SCALARS, type TensorBoardOptions } from './tensorboard.js';
export { historyWriter } from './history.js';
