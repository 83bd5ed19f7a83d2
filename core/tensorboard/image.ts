import sharp from 'sharp';

export interface RgbImages {
  height: number;
  width: number;
  /** One HWC uint8 RGB buffer per image. */
  images: Uint8Array[];
}

/** Tile images into one near-square grid (1-pixel gaps) and encode it as PNG with sharp. */
export async function gridPng(samples: RgbImages, gap = 1): Promise<{ png: Buffer; height: number; width: number }> {
  const { height: h, width: w, images } = samples;
  if (images.length === 0) throw new Error('gridPng: no images');
  const cols = Math.ceil(Math.sqrt(images.length));
  const rows = Math.ceil(images.length / cols);
  const W = cols * w + (cols - 1) * gap;
  const H = rows * h + (rows - 1) * gap;
  const out = Buffer.alloc(W * H * 3, 255);
  images.forEach((img, k) => {
    if (img.length !== h * w * 3) throw new Error(`gridPng: image ${k} has ${img.length} bytes, expected ${h * w * 3}`);
    const ox = (k % cols) * (w + gap);
    const oy = Math.floor(k / cols) * (h + gap);
    for (let y = 0; y < h; y++) out.set(img.subarray(y * w * 3, (y + 1) * w * 3), ((oy + y) * W + ox) * 3);
  });
  const png = await sharp(out, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toBuffer();
  return { png, height: H, width: W };
}
