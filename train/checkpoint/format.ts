import { createHash } from 'node:crypto';
import { TinynetError } from '../../core/errors.js';

/**
 * One checkpoint = one file:
 *   magic "TNCKPT" 0x00 0x01 (8 bytes) | header length u32 LE | blob length u32 LE
 *   | header JSON (utf-8) | blob (raw little-endian tensor data) | sha256 of everything before it.
 * The header says what every blob range holds; the trailing digest lets a truncated or altered
 * file be refused before anything is built from it.
 */
export const MAGIC = Buffer.from([0x54, 0x4e, 0x43, 0x4b, 0x50, 0x54, 0x00, 0x01]);
const PREFIX = MAGIC.length + 8;
const DIGEST = 32;

export type TensorDtype = 'float32' | 'int32';

export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: TensorDtype;
  offset: number;
  byteLength: number;
}

export interface RawTensor {
  name: string;
  shape: number[];
  dtype: TensorDtype;
  data: Float32Array | Int32Array;
}

/** Pack a JSON header and named tensors into checkpoint bytes. */
export function encodeCheckpoint(header: Record<string, unknown>, groups: Record<string, RawTensor[]>): Buffer {
  const index: Record<string, TensorEntry[]> = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [group, tensors] of Object.entries(groups)) {
    index[group] = tensors.map((t) => {
      const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      chunks.push(bytes);
      const entry = { name: t.name, shape: t.shape, dtype: t.dtype, offset, byteLength: bytes.length };
      offset += bytes.length;
      return entry;
    });
  }
  const json = Buffer.from(JSON.stringify({ ...header, tensors: index }), 'utf8');
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(json.length, MAGIC.length);
  prefix.writeUInt32LE(offset, MAGIC.length + 4);
  const body = Buffer.concat([prefix, json, ...chunks]);
  const digest = createHash('sha256').update(body).digest();
  return Buffer.concat([body, digest]);
}

export interface DecodedCheckpoint {
  header: Record<string, unknown> & { tensors: Record<string, TensorEntry[]> };
  tensors: Record<string, RawTensor[]>;
}

const corrupt = (file: string, why: string) =>
  new TinynetError(
    'checkpoint.corrupt',
    `checkpoint ${file} is damaged: ${why}`,
    'use another checkpoint (e.g. best.ckpt or last.ckpt) or retrain; damaged files are never loaded partially',
  );

/** Verify and unpack checkpoint bytes; every failure is a TinynetError naming the file. */
export function decodeCheckpoint(bytes: Buffer, file: string): DecodedCheckpoint {
  if (bytes.length < PREFIX + DIGEST || !bytes.subarray(0, MAGIC.length - 1).equals(MAGIC.subarray(0, MAGIC.length - 1))) {
    throw new TinynetError(
      'checkpoint.not_a_checkpoint',
      `${file} is not a tinynet checkpoint (bad magic or too short: ${bytes.length} bytes)`,
      'pass a .ckpt file written by `tinynet train`',
    );
  }
  if (bytes[MAGIC.length - 1] !== MAGIC[MAGIC.length - 1]) {
    throw new TinynetError(
      'checkpoint.unsupported',
      `${file} uses checkpoint format ${bytes[MAGIC.length - 1]}, this tinynet reads format ${MAGIC[MAGIC.length - 1]}`,
      'use the tinynet version that wrote it',
    );
  }
  const headerLen = bytes.readUInt32LE(MAGIC.length);
  const blobLen = bytes.readUInt32LE(MAGIC.length + 4);
  const expected = PREFIX + headerLen + blobLen + DIGEST;
  if (bytes.length !== expected) {
    throw corrupt(file, `size is ${bytes.length} bytes, its header announces ${expected} (truncated or appended to)`);
  }
  const body = bytes.subarray(0, expected - DIGEST);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(bytes.subarray(expected - DIGEST))) {
    throw corrupt(file, 'sha256 checksum mismatch (contents altered)');
  }
  const header = JSON.parse(bytes.subarray(PREFIX, PREFIX + headerLen).toString('utf8')) as DecodedCheckpoint['header'];
  const blobStart = PREFIX + headerLen;
  const tensors: Record<string, RawTensor[]> = {};
  for (const [group, entries] of Object.entries(header.tensors ?? {})) {
    tensors[group] = entries.map((e) => {
      if (e.offset + e.byteLength > blobLen) throw corrupt(file, `tensor ${e.name} lies outside the data`);
      // Copy into an aligned buffer: typed arrays need 4-byte alignment.
      const copy = new Uint8Array(e.byteLength);
      copy.set(bytes.subarray(blobStart + e.offset, blobStart + e.offset + e.byteLength));
      const data = e.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
      if (data.length !== e.shape.reduce((a, b) => a * b, 1)) throw corrupt(file, `tensor ${e.name} has ${data.length} values for shape [${e.shape}]`);
      return { name: e.name, shape: e.shape, dtype: e.dtype, data };
    });
  }
  return { header, tensors };
}
