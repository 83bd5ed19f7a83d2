/**
 * What a JPEG or PNG says about itself before any pixel is decoded: enough for decode.ts to send
 * an image that needs nothing but decoding to the fast wasm JPEG decoder.
 */
export interface ImageHeader {
  format: 'jpeg' | 'png';
  /** Channels the file stores: 1 or 2 = grayscale, 3 or 4 = color (4 = alpha for PNG, CMYK for JPEG). */
  channels: number;
  width: number;
  height: number;
  /** A JPEG with an EXIF segment, which may carry an orientation to apply. */
  exif: boolean;
}

/** The header of a JPEG (its SOF marker, APP1 for EXIF) or PNG (IHDR); null for other formats. */
export function parseHeader(b: Uint8Array): ImageHeader | null {
  if (b.length > 26 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    const channels = ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[b[25]];
    const u32 = (at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
    return channels ? { format: 'png', channels, width: u32(16), height: u32(20), exif: false } : null;
  }
  if (b.length > 4 && b[0] === 0xff && b[1] === 0xd8) {
    let exif = false;
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1];
      if (marker === 0xff) {
        i++;
        continue;
      }
      const len = (b[i + 2] << 8) | b[i + 3];
      // APP1 starting "Exif": orientation may be in it.
      if (marker === 0xe1 && b[i + 4] === 0x45 && b[i + 5] === 0x78 && b[i + 6] === 0x69 && b[i + 7] === 0x66) exif = true;
      // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC): height, width, then the component count.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { format: 'jpeg', channels: b[i + 9], height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8], exif };
      }
      i += 2 + len;
    }
  }
  return null;
}

/** A complete JPEG ends with the EOI marker (FF D9), possibly followed by zero padding. */
export function endsWithEoi(b: Uint8Array): boolean {
  let i = b.length - 1;
  while (i > 1 && b[i] === 0) i--;
  return b[i - 1] === 0xff && b[i] === 0xd9;
}
