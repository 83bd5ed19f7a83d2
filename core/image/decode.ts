/**
 * The image contract: encoded bytes → the model's RGB uint8 HWC pixels, the one function that
 * `data prepare` (every source), serve and evaluate use, and that the web demo mirrors
 * (web-demo/src/preprocess.ts). In order: first frame of an animation, EXIF orientation applied,
 * alpha composited on white, grayscale and CMYK brought to sRGB, then the resize rule
 * (resize-rule.ts) with one kernel, lanczos3. `maxInputPixels` makes libvips refuse decompression
 * bombs before it allocates their pixels.
 *
 * A whole gray or RGB JPEG already at the target size with no EXIF segment needs none of that but
 * decoding: it goes to the wasm decoder (jpeg-wasm.ts), several times faster on small images.
 */
import sharp, { type Metadata } from 'sharp';
import { TinynetError } from '../errors.js';
import { endsWithEoi, parseHeader, type ImageHeader } from './header.js';
import { decodeJpegRgba } from './jpeg-wasm.js';
import { cropBoxFor, DEFAULT_RESIZE_RULE, type ResizeRule } from './resize-rule.js';

export const ACCEPTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif'] as const;

/** libvips' own default: a 16383 × 16383 image. */
const DEFAULT_MAX_INPUT_PIXELS = 0x3fff * 0x3fff;

/** The resampling filter of every resize, so training and serving interpolate alike. */
const RESIZE_KERNEL = 'lanczos3';

export interface DecodeOptions {
  width: number;
  height: number;
  /** Default: center_crop, what a model that declares nothing was made with. */
  rule?: ResizeRule;
  /** Refuse images with more pixels than this (width × height of the source). */
  maxInputPixels?: number;
}

export interface DecodedImage {
  /** RGB, row-major, height × width × 3. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** The file before conversion: size once oriented, and the channels it stores (1 or 2 = grayscale). */
  source: { format: string; width: number; height: number; channels: number };
}

/**
 * Errors are TinynetErrors: `image.too_large` (pixel limit), `image.unsupported` (a format we do
 * not take, e.g. SVG or TIFF), `image.undecodable` (truncated or not an image).
 */
export async function decodeImage(input: Uint8Array, opts: DecodeOptions): Promise<DecodedImage> {
  const maxInputPixels = opts.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const header = parseHeader(input);
  if (header && needsOnlyDecoding(header, input, opts, maxInputPixels)) {
    const fast = await decodeWithWasm(input, header, opts);
    if (fast) return fast;
  }
  return decodeWithSharp(input, opts, maxInputPixels, header?.channels);
}

function needsOnlyDecoding(h: ImageHeader, bytes: Uint8Array, opts: DecodeOptions, maxInputPixels: number): boolean {
  return (
    h.format === 'jpeg' &&
    (h.channels === 1 || h.channels === 3) &&
    !h.exif &&
    h.width === opts.width &&
    h.height === opts.height &&
    h.width * h.height <= maxInputPixels &&
    // The wasm decoder fills a truncated file with gray instead of failing: only whole files go to it.
    endsWithEoi(bytes)
  );
}

/** null when the wasm decoder is not installed or refuses the file: sharp decodes it or explains why not. */
async function decodeWithWasm(bytes: Uint8Array, h: ImageHeader, opts: DecodeOptions): Promise<DecodedImage | null> {
  let rgba: Awaited<ReturnType<typeof decodeJpegRgba>>;
  try {
    rgba = await decodeJpegRgba(bytes);
  } catch {
    return null;
  }
  if (!rgba || rgba.width !== opts.width || rgba.height !== opts.height) return null;
  const n = rgba.width * rgba.height;
  const pixels = new Uint8Array(n * 3);
  for (let i = 0, s = 0, d = 0; i < n; i++, s += 4, d += 3) {
    pixels[d] = rgba.data[s];
    pixels[d + 1] = rgba.data[s + 1];
    pixels[d + 2] = rgba.data[s + 2];
  }
  return { pixels, width: rgba.width, height: rgba.height, source: { format: 'jpeg', width: h.width, height: h.height, channels: h.channels } };
}

async function decodeWithSharp(input: Uint8Array, opts: DecodeOptions, maxInputPixels: number, headerChannels: number | undefined): Promise<DecodedImage> {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const sharpOpts = { limitInputPixels: maxInputPixels, pages: 1, failOn: 'error' as const, sequentialRead: true };
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
  if (meta.width * pageHeight > maxInputPixels) {
    throw new TinynetError('image.too_large', `image is ${meta.width}×${pageHeight} pixels, over the limit of ${maxInputPixels}`, 'send a smaller image');
  }
  // EXIF orientations 5–8 swap width and height once applied.
  const swap = (meta.orientation ?? 1) >= 5;
  const srcW = swap ? pageHeight : meta.width;
  const srcH = swap ? meta.width : pageHeight;
  const box = cropBoxFor(opts.rule ?? DEFAULT_RESIZE_RULE, srcW, srcH, opts.width, opts.height);
  try {
    const { data, info } = await sharp(buf, sharpOpts)
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .extract(box)
      .resize(opts.width, opts.height, { fit: 'fill', kernel: RESIZE_KERNEL })
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
      // The header's count, where there is one, is what the file stores (1 or 2 = grayscale).
      source: { format, width: srcW, height: srcH, channels: headerChannels ?? meta.channels ?? 3 },
    };
  } catch (err) {
    throw asImageError(err);
  }
}

function asImageError(err: unknown): TinynetError {
  if (err instanceof TinynetError) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (/pixel limit/i.test(msg)) return new TinynetError('image.too_large', 'image is over the pixel limit', 'send a smaller image');
  if (/unsupported image format/i.test(msg))
    return new TinynetError('image.undecodable', 'not an image in a known format', 'send JPEG, PNG, WebP or GIF bytes');
  return new TinynetError('image.undecodable', `the image cannot be decoded: ${msg.split('\n')[0]}`, 'send a complete JPEG, PNG, WebP or GIF');
}
