import CRC32C from 'crc-32/crc32c.js';

/** CRC-32C (Castagnoli) of bytes, as an unsigned 32-bit integer. */
export function crc32c(data: Uint8Array): number {
  return CRC32C.buf(data) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 bits and add a constant (so CRCs of CRCs stay useful). */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
