import { Hono } from 'hono';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../../core/image/decode.js';

/**
 * A minimal stand-in for the REST API's POST /v1/classify (raw image body, ?topk=), used until the
 * real app (serve/app.ts) lands: onnxruntime-node on the same model and the server's own decode
 * (core/image/decode.ts: sharp, shared resize rule). Same answer shape as the real route.
 */
export async function referenceClassifyApp(modelPath: string, size: number, labels: string[]): Promise<{ app: Hono; close: () => Promise<void> }> {
  const session = await ort.InferenceSession.create(modelPath);
  const app = new Hono();
  app.post('/v1/classify', async (c) => {
    const topk = Number(c.req.query('topk') ?? 5);
    const body = new Uint8Array(await c.req.arrayBuffer());
    const { pixels } = await decodeImage(body, { width: size, height: size, maxInputPixels: 40_000_000 });
    const input = new ort.Tensor('uint8', pixels, [1, size, size, 3]);
    const out = await session.run({ [session.inputNames[0]]: input });
    const probs = out.probabilities.data as Float32Array;
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(0, topk);
    return c.json({ results: [{ predictions: order.map((index) => ({ index, label: labels[index], score: probs[index] })) }] });
  });
  return { app, close: () => session.release() };
}
