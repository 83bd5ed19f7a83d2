import { DemoError } from './errors.js';

/** A decoded image, turned into exactly what the model eats, plus a canvas showing what it saw. */
export interface PreparedImage {
  /** RGB bytes, row-major, size×size×3 (one NHWC batch item). */
  pixels: Uint8Array;
  /** The size×size crop the model sees, for display. */
  canvas: HTMLCanvasElement;
  width: number;
  height: number;
}

/**
 * Decode a file the way the server does: no colour-space conversion, no alpha premultiplication
 * (both would shift pixel values), EXIF orientation applied.
 */
export async function decodeImage(blob: Blob, name: string): Promise<ImageBitmap> {
  if (blob.type && !blob.type.startsWith('image/')) {
    throw new DemoError('not-an-image', `"${name}" is not an image (its type is ${blob.type}).`, 'Choose a JPEG, PNG, WebP or GIF file.');
  }
  try {
    return await createImageBitmap(blob, {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    });
  } catch {
    throw new DemoError('not-an-image', `"${name}" could not be read as an image.`, 'Choose a JPEG, PNG, WebP or GIF file; the file may be damaged.');
  }
}

/**
 * The server's rule ("shorter side to `size`, then centre crop"), drawn on a canvas with
 * high-quality smoothing. The server resizes with sharp (a different filter), so pixels of a
 * resized image differ slightly; an image already size×size is copied 1:1 by both.
 */
export function prepareImage(bitmap: ImageBitmap, size: number): PreparedImage {
  const { width, height } = bitmap;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
  if (!ctx) throw new DemoError('canvas', 'This browser cannot give the page a 2D canvas.', 'Try another browser.');
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  const scale = size / Math.min(width, height);
  const drawnW = width * scale;
  const drawnH = height * scale;
  ctx.drawImage(bitmap, (size - drawnW) / 2, (size - drawnH) / 2, drawnW, drawnH);

  const rgba = ctx.getImageData(0, 0, size, size).data;
  const pixels = new Uint8Array(size * size * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    pixels[j] = rgba[i];
    pixels[j + 1] = rgba[i + 1];
    pixels[j + 2] = rgba[i + 2];
  }
  return { pixels, canvas, width, height };
}
