export { saveCheckpoint, loadCheckpoint, readCheckpoint, type CheckpointInfo, encodeModelCheckpoint, type CheckpointContents, type LoadedCheckpoint } from './checkpoint.js';
export { decodeCheckpoint, encodeCheckpoint, type RawTensor } from './format.js';
