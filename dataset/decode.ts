import sharp from 'sharp';
import { decodeJpegRgba } from './jpeg-wasm.js';

/** A decoded image: `size`×`size`×3 uint8 RGB, plus what the file was before conversion. */
export interface DecodedImage {
  rgb: Uint8Array;
  /** Channels the file stores: 1 or 2 = grayscale (expanded to RGB here), 3 or 4 = color. */
  channels: number;
  width: number;
  height: number;
}

/**
 * Decode JPEG/PNG/... bytes to `size`×`size` RGB. Whole gray/RGB JPEGs of the right size (all of
 * Tiny ImageNet) go through the wasm mozjpeg decoder; everything else (PNG, other sizes, CMYK,
 * damaged files) through sharp, which resizes and throws a descriptive error for bad bytes.
 * Grayscale is replicated to 3 channels and alpha dropped.
 */
export async function decodeImage(bytes: Uint8Array, size: number): Promise<DecodedImage> {
  const header = parseHeader(bytes);
  // The wasm decoder fills a truncated file with gray instead of failing: only whole files go to it.
  if (header?.format === 'jpeg' && (header.channels === 1 || header.channels === 3) && endsWithEoi(bytes)) {
    let rgba: Awaited<ReturnType<typeof decodeJpegRgba>> | null = null;
    try {
      rgba = await decodeJpegRgba(bytes);
    } catch {
      rgba = null; // let sharp decode it or explain why it cannot
    }
    if (rgba && rgba.width === size && rgba.height === size) {
      return { rgb: toRgb(rgba.data, 4, size * size), channels: header.channels, width: size, height: size };
    }
  }
  return decodeWithSharp(bytes, size, header?.channels ?? null);
}

/** A complete JPEG ends with the EOI marker (FF D9), possibly followed by zero padding. */
function endsWithEoi(b: Uint8Array): boolean {
  let i = b.length - 1;
  while (i > 1 && b[i] === 0) i--;
  return b[i - 1] === 0xff && b[i] === 0xd9;
}

async function decodeWithSharp(bytes: Uint8Array, size: number, headerCh: number | null): Promise<DecodedImage> {
  const img = sharp(bytes, { failOn: 'error' });
  // sharp's raw output is already sRGB (gray expanded), so the stored channel count comes from the header.
  const stored = headerCh ?? (await img.metadata()).channels ?? 3;
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  let pixels: Uint8Array = data;
  let c: number = channels;
  if (width !== size || height !== size) {
    const resized = await sharp(data, { raw: { width, height, channels } })
      .resize(size, size, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    pixels = resized.data;
    c = resized.info.channels;
  }
  return { rgb: toRgb(pixels, c, size * size), channels: stored, width, height };
}

/**
 * Format and channel count a JPEG (SOF marker) or PNG (IHDR colour type) declares, read from the
 * header without decoding; null for other formats.
 */
export function parseHeader(b: Uint8Array): { format: 'jpeg' | 'png'; channels: number } | null {
  if (b.length > 26 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    const channels = ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[b[25]];
    return channels ? { format: 'png', channels } : null;
  }
  if (b.length > 4 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1];
      if (marker === 0xff) { i++; continue; }
      const len = (b[i + 2] << 8) | b[i + 3];
      // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC): byte 9 is the component count.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { format: 'jpeg', channels: b[i + 9] };
      i += 2 + len;
    }
  }
  return null;
}

/** Interleaved 1/2/3/4-channel pixels → RGB: gray replicated, alpha dropped. */
function toRgb(pixels: Uint8Array | Uint8ClampedArray, channels: number, count: number): Uint8Array {
  if (channels === 3 && pixels instanceof Uint8Array) return pixels.length === count * 3 ? pixels : pixels.subarray(0, count * 3);
  const out = new Uint8Array(count * 3);
  if (channels === 3) {
    out.set(pixels.subarray(0, count * 3));
  } else if (channels === 1 || channels === 2) {
    for (let i = 0, s = 0, d = 0; i < count; i++, s += channels, d += 3) {
      const v = pixels[s];
      out[d] = v;
      out[d + 1] = v;
      out[d + 2] = v;
    }
  } else {
    for (let i = 0, s = 0, d = 0; i < count; i++, s += channels, d += 3) {
      out[d] = pixels[s];
      out[d + 1] = pixels[s + 1];
      out[d + 2] = pixels[s + 2];
    }
  }
  return out;
}
