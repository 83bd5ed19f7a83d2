import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync, mkdirSync, rmSync, renameSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { TinynetError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { createProgress } from '../core/progress.js';
import { writeFileAtomicSync } from '../core/atomic.js';

const log = createLogger('data/download');

export const HF_REPO = 'zh-plus/tiny-imagenet';
export const HF_FILES = ['data/train-00000-of-00001-1359597a978bc4fa.parquet', 'data/valid-00000-of-00001-70d52db3c749a935.parquet'];
export const RECORD_FILE = 'download-record.json';

export interface DownloadOptions {
  dir: string;
  /** Defaults to $HF_ENDPOINT, then https://huggingface.co. */
  endpoint?: string;
  /** Defaults to $HF_TOKEN; sent as a bearer token to the endpoint's host only. */
  token?: string;
  repo?: string;
  revision?: string;
  files?: string[];
  /** Extra attempts per file after a failure (network error, cut transfer, 5xx). */
  retries?: number;
  /** First back-off; doubles each retry. */
  backoffMs?: number;
  /** Abort an attempt when no byte arrives for this long. */
  stallMs?: number;
}

export type FileStatus = 'downloaded' | 'resumed' | 'verified';

export interface DownloadedFile {
  path: string;
  size: number;
  sha256: string;
  status: FileStatus;
}

interface RecordEntry {
  size: number;
  sha256: string;
  url: string;
  at: string;
}
interface DownloadRecord {
  repo: string;
  revision: string;
  files: Record<string, RecordEntry>;
}

export function hfResolveUrl(endpoint: string, repo: string, revision: string, file: string): string {
  return `${endpoint.replace(/\/+$/, '')}/datasets/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Failures worth another attempt (the network, a cut transfer, a busy server) vs. ones that will not change. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * Fetch dataset files from a Hugging Face `resolve` endpoint into `dir`, resuming `.part` files
 * with HTTP Range, retrying with exponential back-off, and keeping a size + sha256 record that
 * later runs check instead of downloading again.
 */
export async function downloadDataset(opts: DownloadOptions): Promise<DownloadedFile[]> {
  const endpoint = opts.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co';
  const token = opts.token ?? process.env.HF_TOKEN ?? undefined;
  const repo = opts.repo ?? HF_REPO;
  const revision = opts.revision ?? 'main';
  const files = opts.files ?? HF_FILES;
  const retries = opts.retries ?? 5;
  const backoffMs = opts.backoffMs ?? 1000;
  const stallMs = opts.stallMs ?? 60_000;
  mkdirSync(opts.dir, { recursive: true });
  const recordPath = path.join(opts.dir, RECORD_FILE);
  const record = readRecord(recordPath, repo, revision);
  const results: DownloadedFile[] = [];

  for (const rel of files) {
    const final = path.join(opts.dir, rel);
    const part = `${final}.part`;
    const url = hfResolveUrl(endpoint, repo, revision, rel);
    mkdirSync(path.dirname(final), { recursive: true });

    if (existsSync(final)) {
      const known = record.files[rel];
      const size = statSync(final).size;
      const sha = await sha256File(final);
      if (known && known.size === size && known.sha256 === sha) {
        log.info(`${rel}: present, size and sha256 match the record`);
        results.push({ path: final, size, sha256: sha, status: 'verified' });
        continue;
      }
      if (!known) {
        // Placed there by hand: keep it, and record what it is so later runs can check it.
        log.warn(`${rel}: present but not in ${RECORD_FILE}; recording its size and sha256 as found`);
        record.files[rel] = { size, sha256: sha, url, at: new Date().toISOString() };
        writeFileAtomicSync(recordPath, `${JSON.stringify(record, null, 1)}\n`);
        results.push({ path: final, size, sha256: sha, status: 'verified' });
        continue;
      }
      log.warn(`${rel}: size/sha256 differ from the record (${size} B ${sha.slice(0, 12)} vs ${known.size} B ${known.sha256.slice(0, 12)}): downloading again`);
      rmSync(final);
    }

    let resumed = existsSync(part) && statSync(part).size > 0;
    let expectedSha: string | null = null;
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetchOnce(url, part, token, stallMs, rel);
        expectedSha = r.expectedSha ?? expectedSha;
        resumed = resumed || r.resumed;
        break;
      } catch (err) {
        const retryable = err instanceof AttemptError ? err.retryable : true;
        const msg = (err as Error).message;
        if (!retryable || attempt >= retries) {
          const have = existsSync(part) ? statSync(part).size : 0;
          throw new TinynetError(
            'download.failed',
            `downloading ${url} failed after ${attempt + 1} attempt(s): ${msg}`,
            have > 0 ? `${have} bytes kept in ${part}; run the command again to resume` : 'check the network, HF_ENDPOINT and HF_TOKEN',
          );
        }
        const wait = backoffMs * 2 ** attempt;
        log.warn(`${rel}: ${msg}; retry ${attempt + 1}/${retries} in ${(wait / 1000).toFixed(1)}s`);
        await new Promise((r) => setTimeout(r, wait));
      }
    }

    const size = statSync(part).size;
    const sha = await sha256File(part);
    if (expectedSha && sha !== expectedSha) {
      rmSync(part);
      throw new TinynetError(
        'download.checksum',
        `${rel}: sha256 ${sha} differs from the server's ${expectedSha}`,
        'run the command again to download it afresh',
      );
    }
    renameSync(part, final);
    record.files[rel] = { size, sha256: sha, url, at: new Date().toISOString() };
    writeFileAtomicSync(recordPath, `${JSON.stringify(record, null, 1)}\n`);
    log.info(`${rel}: ${size} bytes, sha256 ${sha.slice(0, 16)}…`);
    results.push({ path: final, size, sha256: sha, status: resumed ? 'resumed' : 'downloaded' });
  }
  return results;
}

function readRecord(file: string, repo: string, revision: string): DownloadRecord {
  if (existsSync(file)) {
    try {
      const rec = JSON.parse(readFileSync(file, 'utf8')) as DownloadRecord;
      if (rec && typeof rec.files === 'object') return rec;
    } catch {
      log.warn(`${file} is not valid JSON; starting a new record`);
    }
  }
  return { repo, revision, files: {} };
}

const SHA_RE = /^"?([0-9a-f]{64})"?$/;

/** One GET (following redirects by hand, to keep HF's x-linked-etag = the LFS sha256), appended to `part`. */
async function fetchOnce(
  url: string,
  part: string,
  token: string | undefined,
  stallMs: number,
  label: string,
): Promise<{ expectedSha: string | null; resumed: boolean }> {
  const have = existsSync(part) ? statSync(part).size : 0;
  const origin = new URL(url).origin;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${stallMs / 1000}s`)), stallMs);
  };
  let expectedSha: string | null = null;
  let res: Response | null = null;
  let current = url;
  try {
    arm();
    for (let hop = 0; hop < 6; hop++) {
      const headers: Record<string, string> = { 'user-agent': 'tinynet' };
      if (token && new URL(current).origin === origin) headers.authorization = `Bearer ${token}`;
      if (have > 0) headers.range = `bytes=${have}-`;
      res = await fetch(current, { headers, redirect: 'manual', signal: controller.signal });
      const linked = res.headers.get('x-linked-etag') ?? res.headers.get('etag');
      const m = linked ? SHA_RE.exec(linked.trim()) : null;
      if (m) expectedSha = m[1];
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        current = new URL(res.headers.get('location')!, current).toString();
        res = null;
        continue;
      }
      break;
    }
    if (!res) throw new AttemptError('too many redirects', false);
    if (res.status === 416 && have > 0) {
      // The part is already whole (or longer than the file): start over next attempt.
      await res.body?.cancel();
      const total = Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1] ?? NaN);
      if (total === have) return { expectedSha, resumed: true };
      rmSync(part, { force: true });
      throw new AttemptError(`server refused range ${have}- (file changed?)`, true);
    }
    if (res.status === 401 || res.status === 403) throw new AttemptError(`HTTP ${res.status}: access denied (set HF_TOKEN?)`, false);
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      throw new AttemptError(`HTTP ${res.status} ${res.statusText}`, retryable);
    }
    let start = 0;
    let total: number;
    if (res.status === 206) {
      const m = /bytes (\d+)-(\d+)\/(\d+)/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== have) throw new AttemptError(`unexpected Content-Range "${res.headers.get('content-range')}" for a resume at ${have}`, true);
      start = have;
      total = Number(m[3]);
    } else {
      const len = res.headers.get('content-length');
      total = len === null ? NaN : Number(len);
    }
    if (start > 0) log.info(`${label}: resuming at ${(start / 1e6).toFixed(1)} MB`);
    const fh = await open(part, start > 0 ? 'a' : 'w');
    const progress = createProgress({ label, total: Number.isFinite(total) ? total / 1e6 : 0, unit: 'MB' });
    if (start > 0) progress.tick(start / 1e6);
    let written = start;
    try {
      if (!res.body) throw new AttemptError('empty response body', true);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        await fh.write(chunk);
        written += chunk.length;
        progress.tick(chunk.length / 1e6);
      }
    } catch (err) {
      if (err instanceof AttemptError) throw err;
      throw new AttemptError(`transfer cut at ${written} of ${Number.isFinite(total) ? total : '?'} bytes (${(err as Error).message})`, true);
    } finally {
      progress.stop();
      await fh.close();
    }
    if (Number.isFinite(total) && written !== total) throw new AttemptError(`transfer ended at ${written} of ${total} bytes`, true);
    return { expectedSha, resumed: start > 0 };
  } catch (err) {
    if (err instanceof AttemptError) throw err;
    throw new AttemptError(
      (err as Error).message + ((err as Error & { cause?: Error }).cause ? ` (${(err as Error & { cause?: Error }).cause!.message})` : ''),
      true,
    );
  } finally {
    if (timer) clearTimeout(timer);
  }
}
