/**
 * Any user image → the model's RGB uint8 HWC pixels, with sharp: EXIF orientation applied,
 * grayscale and alpha brought to RGB (alpha composited on white), first frame of an animation,
 * then the shared resize rule (core/image/resize-rule.ts). `maxInputPixels` makes libvips refuse
 * decompression bombs before it allocates their pixels.
 */
import sharp, { type Metadata } from 'sharp';
import { TinynetError } from '../errors.js';
import { cropBoxFor, type ResizeRuleName } from './resize-rule.js';

export const ACCEPTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif'] as const;

export interface DecodeOptions {
  width: number;
  height: number;
  rule?: ResizeRuleName;
  /** Refuse images with more pixels than this (width × height of the source). */
  maxInputPixels: number;
}

export interface DecodedImage {
  /** RGB, row-major, height × width × 3. */
  pixels: Uint8Array;
  width: number;
  height: number;
  source: { format: string; width: number; height: number };
}

/**
 * Errors are TinynetErrors: `image.too_large` (pixel limit), `image.unsupported` (a format we do
 * not take, e.g. SVG or TIFF), `image.undecodable` (truncated or not an image).
 */
export async function decodeImage(input: Uint8Array, opts: DecodeOptions): Promise<DecodedImage> {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const sharpOpts = { limitInputPixels: opts.maxInputPixels, pages: 1, failOn: 'error' as const, sequentialRead: true };
  let meta: Metadata;
  try {
    meta = await sharp(buf, sharpOpts).metadata();
  } catch (err) {
    throw asImageError(err);
  }
  const format = meta.format ?? 'unknown';
  if (!(ACCEPTED_IMAGE_FORMATS as readonly string[]).includes(format)) {
    throw new TinynetError('image.unsupported', `image format "${format}" is not accepted`, `send ${ACCEPTED_IMAGE_FORMATS.join(', ')}`);
  }
  if (!meta.width || !meta.height) throw new TinynetError('image.undecodable', 'the image has no dimensions');
  // The header is enough to refuse a bomb before any pixel is decoded.
  const pageHeight = meta.pageHeight ?? meta.height;
  if (meta.width * pageHeight > opts.maxInputPixels) {
    throw new TinynetError('image.too_large', `image is ${meta.width}×${pageHeight} pixels, over the limit of ${opts.maxInputPixels}`, 'send a smaller image');
  }
  // EXIF orientations 5–8 swap width and height once applied.
  const swap = (meta.orientation ?? 1) >= 5;
  const srcW = swap ? pageHeight : meta.width;
  const srcH = swap ? meta.width : pageHeight;
  const box = cropBoxFor(opts.rule ?? 'shorter-side-then-center-crop', srcW, srcH, opts.width, opts.height);
  try {
    const { data, info } = await sharp(buf, sharpOpts)
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .extract(box)
      .resize(opts.width, opts.height, { fit: 'fill' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== opts.width || info.height !== opts.height) {
      throw new TinynetError('image.undecodable', `decoded to ${info.width}×${info.height}×${info.channels}, expected ${opts.width}×${opts.height}×3`);
    }
    return {
      pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      source: { format, width: srcW, height: srcH },
    };
  } catch (err) {
    throw asImageError(err);
  }
}

function asImageError(err: unknown): TinynetError {
  if (err instanceof TinynetError) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (/pixel limit/i.test(msg)) return new TinynetError('image.too_large', 'image is over the pixel limit', 'send a smaller image');
  if (/unsupported image format/i.test(msg)) return new TinynetError('image.undecodable', 'not an image in a known format', 'send JPEG, PNG, WebP or GIF bytes');
  return new TinynetError('image.undecodable', `the image cannot be decoded: ${msg.split('\n')[0]}`, 'send a complete JPEG, PNG, WebP or GIF');
}
