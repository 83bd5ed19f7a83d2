/**
 * The resize rule shared by every consumer of a model (dataset prepare, serve, evaluate, the
 * browser demo), chosen by `dataset.resize` and carried in the dataset meta and the ONNX metadata:
 * - `center_crop`: the largest centred region of the source with the target's aspect ratio
 *   (torchvision's Resize(shorter side) + CenterCrop, in one step), scaled to the target size;
 * - `stretch`: the whole source scaled to the target size, aspect ratio not kept.
 *
 * Expressed as a crop box in source pixels so the browser can reproduce it with
 * `ctx.drawImage(img, box.left, box.top, box.width, box.height, 0, 0, W, H)` and sharp with
 * `.extract(box).resize(W, H)`. Pure arithmetic: no Node imports, safe for the web bundle.
 */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export const RESIZE_RULES = ['center_crop', 'stretch'] as const;
export type ResizeRule = (typeof RESIZE_RULES)[number];

/** What a model that declares no rule was made with. */
export const DEFAULT_RESIZE_RULE: ResizeRule = 'center_crop';

/**
 * How far a mirror of the contract that resamples with its own filter (the web demo's canvas) may
 * drift from sharp's lanczos3 on an image that needs a resize: mean absolute difference, in 0–255
 * levels (Chromium, on a textured 96×72 picture: 0.67, at most 6 on one value). At the model size
 * no resampling happens and both give the same pixels.
 */
export const MIRROR_MEAN_ABS_TOLERANCE = 1.5;

/** Spellings of center_crop written into models exported before the rule came from the config. */
const CENTER_CROP_ALIASES = ['shorter-side-then-center-crop', 'shorter-side-center-crop'];

/**
 * The rule a model's metadata declares: absent means the default; null when it names a rule this
 * version does not know, so the caller can refuse the model instead of feeding it other pixels.
 */
export function declaredResizeRule(declared: string | null | undefined): ResizeRule | null {
  if (declared === undefined || declared === null || declared === '') return DEFAULT_RESIZE_RULE;
  if ((RESIZE_RULES as readonly string[]).includes(declared)) return declared as ResizeRule;
  return CENTER_CROP_ALIASES.includes(declared) ? 'center_crop' : null;
}

export function cropBoxFor(rule: ResizeRule, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): CropBox {
  if (rule === 'stretch') return { left: 0, top: 0, width: srcWidth, height: srcHeight };
  return centerCropBox(srcWidth, srcHeight, dstWidth, dstHeight);
}

/** Largest centred box of the destination's aspect ratio; integer pixels, never empty. */
export function centerCropBox(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): CropBox {
  // The scale that brings the shorter side (relative to the target aspect) to the target size.
  const scale = Math.max(dstWidth / srcWidth, dstHeight / srcHeight);
  const width = Math.max(1, Math.min(srcWidth, Math.round(dstWidth / scale)));
  const height = Math.max(1, Math.min(srcHeight, Math.round(dstHeight / scale)));
  return {
    left: Math.floor((srcWidth - width) / 2),
    top: Math.floor((srcHeight - height) / 2),
    width,
    height,
  };
}
