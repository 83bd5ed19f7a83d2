/**
 * The one resize rule shared by every consumer of a model (dataset prepare, serve, evaluate, the
 * browser demo): take the largest centred region of the source with the target's aspect ratio
 * ("shorter side to size, then center crop"), then scale that region to exactly the target size.
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

/**
 * 'shorter-side-then-center-crop' is the rule tinynet models declare (core/onnx-metadata.ts
 * RESIZE_RULE); 'shorter-side-center-crop' is an older spelling of the same rule.
 */
export type ResizeRuleName = 'shorter-side-then-center-crop' | 'shorter-side-center-crop' | 'stretch';

export const RESIZE_RULE_NAMES: readonly ResizeRuleName[] = ['shorter-side-then-center-crop', 'shorter-side-center-crop', 'stretch'];

export function cropBoxFor(rule: ResizeRuleName, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): CropBox {
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
