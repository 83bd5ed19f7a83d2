import sharp from 'sharp';

/** A decoded image: `size`×`size`×3 uint8 RGB, plus what the file was before conversion. */
export interface DecodedImage {
  rgb: Uint8Array;
  /** Channels the file stores: 1 or 2 = grayscale (expanded to RGB here), 3 or 4 = color. */
  channels: number;
  width: number;
  height: number;
}

/**
 * Decode JPEG/PNG/... bytes to `size`×`size` RGB. Grayscale is replicated to 3 channels and
 * alpha dropped in JS (cheap at 64×64); sharp resizes only when the file is another size, so the
 * common case is a single libvips decode. Throws sharp's error for undecodable bytes.
 */
export async function decodeImage(bytes: Uint8Array, size: number): Promise<DecodedImage> {
  const img = sharp(bytes, { failOn: 'error' });
  // sharp's raw output is already sRGB (gray expanded), so the stored channel count comes from the header.
  const stored = headerChannels(bytes) ?? (await img.metadata()).channels ?? 3;
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
 * Components a JPEG (SOF marker) or PNG (IHDR colour type) declares, read from the header
 * without decoding; null for other formats.
 */
export function headerChannels(b: Uint8Array): number | null {
  if (b.length > 26 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    const colorType = b[25];
    return ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType] ?? null;
  }
  if (b.length > 4 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1];
      if (marker === 0xff) { i++; continue; }
      const len = (b[i + 2] << 8) | b[i + 3];
      // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC): byte 9 is the component count.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return b[i + 9];
      i += 2 + len;
    }
  }
  return null;
}

function toRgb(pixels: Uint8Array, channels: number, count: number): Uint8Array {
  if (channels === 3) return pixels.length === count * 3 ? pixels : pixels.subarray(0, count * 3);
  const out = new Uint8Array(count * 3);
  if (channels === 1 || channels === 2) {
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
