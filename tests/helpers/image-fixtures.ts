import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import CRC32 from 'crc-32';
import { hfParquetBuffer, type HfRow } from '../../dataset/hf-parquet-writer.js';

/** A small real image: solid color with a class-dependent square; `channels` 1 = grayscale JPEG, 4 = PNG with alpha. */
export async function makeImage(seed: number, opts: { size?: number; width?: number; height?: number; channels?: 1 | 3 | 4 } = {}): Promise<Uint8Array> {
  const w = opts.width ?? opts.size ?? 16;
  const h = opts.height ?? opts.size ?? 16;
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const x = i % w,
      y = Math.floor(i / w);
    const inside = x > w / 4 && x < (3 * w) / 4 && y > h / 4 && y < (3 * h) / 4;
    rgb[i * 3] = (seed * 40 + (inside ? 120 : 0)) % 256;
    rgb[i * 3 + 1] = (seed * 90 + x * 3) % 256;
    rgb[i * 3 + 2] = (seed * 20 + y * 5) % 256;
  }
  const img = sharp(rgb, { raw: { width: w, height: h, channels: 3 } });
  if (opts.channels === 1) return new Uint8Array(await img.toColourspace('b-w').jpeg().toBuffer());
  if (opts.channels === 4) return new Uint8Array(await img.ensureAlpha(0.5).png().toBuffer());
  return new Uint8Array(await img.jpeg({ quality: 95 }).toBuffer());
}

/** Write `<root>/data/train-*.parquet` and `valid-*.parquet` in the HF layout. */
export function writeHfDataset(root: string, train: HfRow[], val: HfRow[], names: string[]): void {
  mkdirSync(path.join(root, 'data'), { recursive: true });
  writeFileSync(path.join(root, 'data', 'train-00000-of-00001.parquet'), hfParquetBuffer(train, names));
  writeFileSync(path.join(root, 'data', 'valid-00000-of-00001.parquet'), hfParquetBuffer(val, names));
}

/** A minimal zip (stored, no compression) so the zip reader can be tested without a zip tool. */
export function zipStored(entries: { name: string; data: Uint8Array }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = CRC32.buf(e.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, Buffer.from(e.data));
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
