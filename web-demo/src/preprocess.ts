import { cropBoxFor, type ResizeRule } from '../../core/image/resize-rule.js';
import { DemoError } from './errors.js';

/** A decoded image, turned into exactly what the model eats, plus a canvas showing what it saw. */
export interface PreparedImage {
  /** RGB bytes, row-major, height×width×3 (one NHWC batch item). */
  pixels: Uint8Array;
  /** The crop the model sees, at its input size, for display. */
  canvas: HTMLCanvasElement;
  /** The source image's size. */
  width: number;
  height: number;
}

/**
 * Decode a file the way the server does: no colour-space conversion, no alpha premultiplication
 * (both would shift pixel values), EXIF orientation applied.
 */
export async function decodeImage(blob: Blob, name: string): Promise<ImageBitmap> {
  if (blob.type && !blob.type.startsWith('image/')) {
    throw new DemoError('web_demo.not_an_image', `"${name}" is not an image (its type is ${blob.type}).`, 'Choose a JPEG, PNG, WebP or GIF file.');
  }
  try {
    return await createImageBitmap(blob, {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    });
  } catch {
    throw new DemoError('web_demo.not_an_image', `"${name}" could not be read as an image.`, 'Choose a JPEG, PNG, WebP or GIF file; the file may be damaged.');
  }
}

/**
 * The browser's side of the image contract (core/image/decode.ts): the server's crop box
 * (core/image/resize-rule.ts, shared) scaled to the input size on a canvas with high-quality
 * smoothing; transparency composited on white like the server's sharp `.flatten()`. An image
 * already at the input size is copied 1:1, so both give the same pixels; the canvas resamples
 * with its own filter, not sharp's lanczos3, so a resized image agrees within
 * MIRROR_MEAN_ABS_TOLERANCE (mean absolute difference in 0–255 levels).
 */
export function prepareImage(bitmap: ImageBitmap, width: number, height: number, rule: ResizeRule): PreparedImage {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
  if (!ctx) throw new DemoError('web_demo.canvas', 'This browser cannot give the page a 2D canvas.', 'Try another browser.');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  const box = cropBoxFor(rule, bitmap.width, bitmap.height, width, height);
  ctx.drawImage(bitmap, box.left, box.top, box.width, box.height, 0, 0, width, height);

  const rgba = ctx.getImageData(0, 0, width, height).data;
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    pixels[j] = rgba[i];
    pixels[j + 1] = rgba[i + 1];
    pixels[j + 2] = rgba[i + 2];
  }
  return { pixels, canvas, width: bitmap.width, height: bitmap.height };
}
