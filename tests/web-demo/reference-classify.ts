import { Hono } from 'hono';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

/**
 * A minimal stand-in for the REST API's POST /v1/classify (raw image body, ?topk=), used until the
 * real server (serve/) is merged: onnxruntime-node on the same model, sharp decode + resize
 * (shorter side, centre crop) as the server does.
 */
export async function referenceClassifyApp(modelPath: string, size: number, labels: string[]): Promise<{ app: Hono; close: () => Promise<void> }> {
  const session = await ort.InferenceSession.create(modelPath);
  const app = new Hono();
  app.post('/v1/classify', async (c) => {
    const topk = Number(c.req.query('topk') ?? 5);
    const body = new Uint8Array(await c.req.arrayBuffer());
    let pixels: Buffer;
    try {
      pixels = await sharp(body).removeAlpha().resize(size, size, { fit: 'cover' }).raw().toBuffer();
    } catch {
      return c.json({ error: { code: 'bad_image', message: 'not an image' } }, 400);
    }
    const input = new ort.Tensor('uint8', new Uint8Array(pixels), [1, size, size, 3]);
    const out = await session.run({ [session.inputNames[0]]: input });
    const probs = out.probabilities.data as Float32Array;
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(0, topk);
    return c.json({ results: [{ top: order.map((index) => ({ index, label: labels[index], probability: probs[index] })) }] });
  });
  return { app, close: () => session.release() };
}
