/** The checkpoint API other rooms use (export loads models through it). */
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpoint,
  type CheckpointInfo,
  encodeModelCheckpoint,
  type CheckpointContents,
  type LoadedCheckpoint,
} from './checkpoint/checkpoint.js';
export { decodeCheckpoint, encodeCheckpoint, type RawTensor } from './checkpoint/format.js';
