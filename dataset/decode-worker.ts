/**
 * Worker thread of the decode pool: decodes batches of encoded images to size×size RGB.
 * Errors are returned per image (as text) so the main thread can name the failing row.
 */
import { parentPort } from 'node:worker_threads';
import { decodeImage } from './decode.js';

export interface DecodeRequest {
  id: number;
  size: number;
  items: Uint8Array[];
}

export interface DecodeReply {
  id: number;
  results: ({ rgb: Uint8Array; channels: number; width: number; height: number } | { error: string })[];
}

parentPort?.on('message', async (req: DecodeRequest) => {
  const results: DecodeReply['results'] = [];
  const transfer: ArrayBuffer[] = [];
  for (const bytes of req.items) {
    try {
      const d = await decodeImage(bytes, req.size);
      // A private copy, so its buffer can be transferred without copying again.
      const rgb = d.rgb.byteOffset === 0 && d.rgb.byteLength === d.rgb.buffer.byteLength ? d.rgb : d.rgb.slice();
      results.push({ rgb, channels: d.channels, width: d.width, height: d.height });
      transfer.push(rgb.buffer as ArrayBuffer);
    } catch (err) {
      results.push({ error: (err as Error).message });
    }
  }
  parentPort!.postMessage({ id: req.id, results } satisfies DecodeReply, transfer);
});
