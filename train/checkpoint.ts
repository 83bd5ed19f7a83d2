/** The checkpoint API other rooms use (export loads models through it). */
export * from './checkpoint/index.js';
