import { DemoError } from './errors.js';

export interface ClassScore {
  index: number;
  label: string;
  probability: number;
}

/**
 * Ask the REST API (POST /v1/classify, raw image body) for the same file the page classified,
 * so both answers can be shown side by side.
 */
export async function classifyOnServer(url: string, file: Blob, topk: number): Promise<ClassScore[]> {
  const target = new URL(url);
  target.searchParams.set('topk', String(topk));
  let res: Response;
  try {
    res = await fetch(target, {
      method: 'POST',
      body: file,
      headers: { 'content-type': file.type || 'application/octet-stream' },
    });
  } catch (err) {
    throw new DemoError(
      'web_demo.server',
      `Could not reach the server at ${target.origin} (${err instanceof Error ? err.message : String(err)}).`,
      'Start `tinynet serve`, or use the page alone.',
    );
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new DemoError('web_demo.server', `The server answered HTTP ${res.status} without JSON.`);
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    throw new DemoError('web_demo.server', `The server refused the image: ${error?.message ?? `HTTP ${res.status}`}${error?.code ? ` (${error.code})` : ''}.`);
  }
  return parseClassifyResponse(body);
}

/** The first image's top-k from a /v1/classify answer ({ results: [{ predictions: [{ index, label, score }] }] }). */
export function parseClassifyResponse(body: unknown): ClassScore[] {
  const results = (body as { results?: unknown[] }).results;
  const first = Array.isArray(results) ? (results[0] as { predictions?: unknown[] } | undefined) : undefined;
  const predictions = first?.predictions;
  if (!Array.isArray(predictions)) throw new DemoError('web_demo.server', 'The server answer has no results[0].predictions list.');
  return predictions.map((t) => {
    const entry = t as { index?: number; label?: string; score?: number };
    return { index: Number(entry.index), label: String(entry.label ?? ''), probability: Number(entry.score) };
  });
}
