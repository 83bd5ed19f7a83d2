import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/*
 * An independent reader for event files: CRC-32C computed bit by bit (not the writer's crc-32
 * table), and protobuf wire format parsed by hand (not protobufjs).
 */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
const mask = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

export function readRecords(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    assert.ok(off + 12 <= buf.length, 'record header complete');
    const len = Number(buf.readBigUInt64LE(off));
    assert.equal(buf.readUInt32LE(off + 8), mask(crc32cBitwise(buf.subarray(off, off + 8))), `length CRC at ${off}`);
    const data = buf.subarray(off + 12, off + 12 + len);
    assert.equal(buf.readUInt32LE(off + 12 + len), mask(crc32cBitwise(data)), `data CRC at ${off}`);
    out.push(data);
    off += 16 + len;
  }
  assert.equal(off, buf.length, 'no trailing bytes');
  return out;
}

export type Field = { n: number; wire: number; v: bigint | Buffer };
export function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = () => {
    let r = 0n;
    let s = 0n;
    for (;;) {
      const b = buf[i++];
      r |= BigInt(b & 0x7f) << s;
      s += 7n;
      if (!(b & 0x80)) return r;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const n = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ n, wire, v: varint() });
    else if (wire === 1 || wire === 2 || wire === 5) {
      // Fixed 64-bit, length-delimited, fixed 32-bit.
      const len = wire === 1 ? 8 : wire === 5 ? 4 : Number(varint());
      out.push({ n, wire, v: buf.subarray(i, i + len) });
      i += len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}
export const one = (fs: Field[], n: number) => fs.find((f) => f.n === n)?.v;
export const bytes = (fs: Field[], n: number) => one(fs, n) as Buffer | undefined;
export const str = (fs: Field[], n: number) => bytes(fs, n)?.toString('utf8');

export interface DecodedValue {
  step: number;
  tag: string;
  simple?: number;
  plugin?: string;
  content?: Buffer;
  image?: { height: number; width: number; png: Buffer };
  text?: string;
}

/** Event → its file_version or its summary values. */
export function decodeEvents(file: string): { fileVersion: string | undefined; wallTime: number; values: DecodedValue[] } {
  const records = readRecords(readFileSync(file));
  const first = fields(records[0]);
  const values: DecodedValue[] = [];
  for (const rec of records.slice(1)) {
    const ev = fields(rec);
    const step = Number((one(ev, 2) as bigint | undefined) ?? 0n);
    const summary = bytes(ev, 5);
    if (!summary) continue;
    for (const v of fields(summary)
      .filter((f) => f.n === 1)
      .map((f) => fields(f.v as Buffer))) {
      const d: DecodedValue = { step, tag: str(v, 1)! };
      const simple = bytes(v, 2);
      if (simple) d.simple = simple.readFloatLE(0);
      const meta = bytes(v, 9);
      if (meta) {
        const pd = fields(bytes(fields(meta), 1)!);
        d.plugin = str(pd, 1);
        d.content = bytes(pd, 2) ?? Buffer.alloc(0);
      }
      const img = bytes(v, 4);
      if (img) {
        const f = fields(img);
        d.image = { height: Number(one(f, 1)), width: Number(one(f, 2)), png: bytes(f, 4)! };
      }
      const tensor = bytes(v, 8);
      if (tensor && d.plugin === 'text') d.text = str(fields(tensor), 8);
      values.push(d);
    }
  }
  return { fileVersion: str(first, 3), wallTime: (one(first, 1) as Buffer).readDoubleLE(0), values };
}
