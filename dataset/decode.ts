import sharp from 'sharp';

/** A decoded image: `size`×`size`×3 uint8 RGB, plus what the file was before conversion. */
export interface DecodedImage {
  rgb: Uint8Array;
  /** Channels in the file: 1 or 2 = grayscale (expanded to RGB here), 3 or 4 = color. */
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
  const { data, info } = await sharp(bytes, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
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
  return { rgb: toRgb(pixels, c, size * size), channels, width, height };
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
