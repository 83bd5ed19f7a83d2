/**
 * Worker thread of the decode pool: decodes batches of encoded images to model pixels through the
 * image contract (core/image/decode.ts). Errors are returned per image (as text) so the main
 * thread can name the failing row.
 */
import { parentPort } from 'node:worker_threads';
import { decodeImage, type DecodedImage } from '../core/image/decode.js';
import type { ResizeRule } from '../core/image/resize-rule.js';

export interface DecodeRequest {
  id: number;
  size: number;
  rule: ResizeRule;
  items: Uint8Array[];
}

export interface DecodeReply {
  id: number;
  results: (DecodedImage | { error: string })[];
}

parentPort?.on('message', async (req: DecodeRequest) => {
  const results: DecodeReply['results'] = [];
  const transfer: ArrayBuffer[] = [];
  for (const bytes of req.items) {
    try {
      const d = await decodeImage(bytes, { width: req.size, height: req.size, rule: req.rule });
      // A private copy, so its buffer can be transferred without copying again.
      const pixels = d.pixels.byteOffset === 0 && d.pixels.byteLength === d.pixels.buffer.byteLength ? d.pixels : d.pixels.slice();
      results.push({ ...d, pixels });
      transfer.push(pixels.buffer as ArrayBuffer);
    } catch (err) {
      results.push({ error: (err as Error).message });
    }
  }
  parentPort!.postMessage({ id: req.id, results } satisfies DecodeReply, transfer);
});
