/**
 * POST /v1/classify — one image as the raw body (image/jpeg|png|webp|gif), one or many as
 * multipart/form-data, or JSON { "images": [base64 | data URL, ...] }; `?topk=N`.
 * Answers per image the top-k { index, wnid, label, score }, the model name and timings.
 */
import { Hono, type Context } from 'hono';
import { HttpError } from '../http/errors.js';
import type { AppEnv, RouteDeps } from '../http/context.js';
import { TinynetError } from '../../core/errors.js';

const RAW_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

interface NamedImage {
  name: string | null;
  bytes: Uint8Array;
}

export function classifyRoutes(deps: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/v1/classify', async (c) => {
    c.set('route', '/v1/classify');
    const topk = parseTopk(c.req.query('topk'), deps.defaultTopk, deps.service.info.numClasses);
    const start = performance.now();
    const images = await readImages(c, deps.maxImagesPerRequest);
    c.set('images', images.length);
    const samples = await Promise.all(
      images.map(async (img, i) => {
        try {
          return await deps.service.decode(img.bytes);
        } catch (err) {
          if (err instanceof TinynetError) {
            const which = images.length > 1 ? `image ${i}${img.name ? ` (${img.name})` : ''}: ` : '';
            throw new TinynetError(err.code, which + err.message, err.hint);
          }
          throw err;
        }
      }),
    );
    const decoded = performance.now();
    const results = await deps.service.infer(samples);
    const done = performance.now();
    return c.json({
      model: deps.service.info.name,
      results: results.map((r, i) => ({
        ...(images[i].name !== null ? { filename: images[i].name } : {}),
        predictions: deps.service.topK(r.probabilities, topk),
      })),
      timing: { decode_ms: round(decoded - start), inference_ms: round(done - decoded), total_ms: round(done - start) },
    });
  });
  return app;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export function parseTopk(raw: string | undefined, fallback: number, numClasses: number): number {
  if (raw === undefined) return Math.min(fallback, numClasses);
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) {
    throw new HttpError('serve.bad_topk', `topk must be a whole number from 1 to ${numClasses}, got "${raw.slice(0, 40)}"`);
  }
  return Math.min(Number(raw), numClasses);
}

async function readImages(c: Context<AppEnv>, maxImages: number): Promise<NamedImage[]> {
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  let images: NamedImage[];
  if (RAW_TYPES.includes(type)) {
    images = [{ name: null, bytes: new Uint8Array(await c.req.arrayBuffer()) }];
  } else if (type === 'multipart/form-data') {
    images = await readMultipart(c);
  } else if (type === 'application/json') {
    images = await readJson(c);
  } else {
    throw new HttpError(
      'serve.unsupported_media_type',
      `content type "${type || '(none)'}" is not accepted; send ${RAW_TYPES.join(', ')}, multipart/form-data or application/json`,
    );
  }
  if (images.length === 0) throw new HttpError('serve.no_images', 'the request carries no image');
  if (images.length > maxImages) throw new HttpError('serve.too_many_images', `at most ${maxImages} images per request, got ${images.length}`);
  for (const [i, img] of images.entries()) {
    if (img.bytes.byteLength === 0) throw new HttpError('serve.empty_image', `image ${i} is empty`);
  }
  return images;
}

async function readMultipart(c: Context<AppEnv>): Promise<NamedImage[]> {
  let form: FormData;
  try {
    form = await c.req.raw.formData();
  } catch {
    throw new HttpError('serve.bad_multipart', 'the multipart/form-data body cannot be parsed (boundary missing or body truncated)');
  }
  const images: NamedImage[] = [];
  for (const [, value] of form.entries()) {
    if (typeof value === 'string') continue;
    images.push({ name: value.name || null, bytes: new Uint8Array(await value.arrayBuffer()) });
  }
  if (images.length === 0) throw new HttpError('serve.no_images', 'the multipart body has no file part; send images as file fields');
  return images;
}

async function readJson(c: Context<AppEnv>): Promise<NamedImage[]> {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new HttpError('serve.bad_json', 'the body is not valid JSON');
  }
  const list = (body as { images?: unknown } | null)?.images;
  if (!Array.isArray(list)) throw new HttpError('serve.bad_json', 'expected { "images": ["<base64>", ...] }');
  return list.map((item, i) => {
    if (typeof item !== 'string') throw new HttpError('serve.bad_json', `images[${i}] must be a base64 string`);
    const b64 = item.replace(/^data:[\w/+.-]+;base64,/, '').replace(/\s+/g, '');
    if (b64.length === 0 || !BASE64.test(b64)) throw new HttpError('serve.bad_base64', `images[${i}] is not valid base64`);
    return { name: null, bytes: new Uint8Array(Buffer.from(b64, 'base64')) };
  });
}
