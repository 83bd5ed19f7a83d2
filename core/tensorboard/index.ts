export { EventWriter, type HParamValue, type MetricSpec } from './writer.js';
export { frameRecord } from './record.js';
export { crc32c, maskedCrc32c } from './crc32c.js';
export { gridPng, type RgbImages } from './image.js';
