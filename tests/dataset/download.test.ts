import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDir } from '../helpers/dataset-config.js';
import { downloadDataset, RECORD_FILE } from '../../dataset/download.js';
import { TinynetError } from '../../core/errors.js';

const FILE = 'data/train-00000-of-00001-test.parquet';
const BODY = randomBytes(300_000);
const SHA = createHash('sha256').update(BODY).digest('hex');

interface Seen {
  url: string;
  range?: string;
  auth?: string;
}

/**
 * An HF-like server: /datasets/<repo>/resolve/main/<file> answers 302 to /cdn/<file> (with
 * x-linked-etag = sha256, as HF does for LFS files); /cdn honours Range. `cut` requests are
 * cut after half the bytes.
 */
async function hfServer(opts: { cutFirst: number }) {
  const seen: Seen[] = [];
  let cuts = opts.cutFirst;
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url!, range: req.headers.range, auth: req.headers.authorization });
    if (req.url!.startsWith('/datasets/zh-plus/tiny-imagenet/resolve/main/')) {
      res.writeHead(302, { location: `/cdn/${req.url!.split('/resolve/main/')[1]}`, 'x-linked-etag': `"${SHA}"` });
      return res.end();
    }
    if (req.url !== `/cdn/${FILE}`) {
      res.writeHead(404);
      return res.end();
    }
    let start = 0;
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    if (m) start = Number(m[1]);
    const headers: http.OutgoingHttpHeaders = { 'content-length': BODY.length - start, 'accept-ranges': 'bytes' };
    if (m) headers['content-range'] = `bytes ${start}-${BODY.length - 1}/${BODY.length}`;
    res.writeHead(m ? 206 : 200, headers);
    if (cuts > 0) {
      cuts--;
      const half = start + Math.floor((BODY.length - start) / 2);
      res.write(BODY.subarray(start, half), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(BODY.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { endpoint, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('a transfer cut mid-way is retried with a Range request and completes', async () => {
  const dir = tempDir('dl');
  const srv = await hfServer({ cutFirst: 1 });
  try {
    const [r] = await downloadDataset({ dir, endpoint: srv.endpoint, files: [FILE], token: 'secret', retries: 3, backoffMs: 10 });
    const log = JSON.stringify(srv.seen);
    assert.equal(r.status, 'resumed', log);
    assert.equal(r.sha256, SHA);
    assert.deepEqual(readFileSync(path.join(dir, FILE)), BODY);
    const cdn = srv.seen.filter((s) => s.url.startsWith('/cdn/'));
    assert.equal(cdn.length, 2, log);
    assert.equal(cdn[0].range, undefined, log);
    // The resume starts where the kept bytes end: at most the half the server sent before the cut
    // (a reset socket can lose the tail of what was in flight).
    const start = Number(/^bytes=(\d+)-$/.exec(cdn[1].range ?? '')?.[1]);
    assert.ok(start > 0 && start <= BODY.length / 2, log);
    assert.ok(srv.seen.every((s) => s.auth === 'Bearer secret'));
    assert.equal(existsSync(path.join(dir, `${FILE}.part`)), false);
    const record = JSON.parse(readFileSync(path.join(dir, RECORD_FILE), 'utf8'));
    assert.deepEqual({ size: record.files[FILE].size, sha256: record.files[FILE].sha256 }, { size: BODY.length, sha256: SHA });
  } finally {
    await srv.close();
  }
});

test('an interrupted run leaves a .part that the next run resumes; a third run only verifies', async () => {
  const dir = tempDir('dl2');
  const srv = await hfServer({ cutFirst: 1 });
  try {
    await assert.rejects(
      downloadDataset({ dir, endpoint: srv.endpoint, files: [FILE], retries: 0 }),
      (e: unknown) => e instanceof TinynetError && e.code === 'download.failed' && /resume/.test(e.hint ?? ''),
    );
    const part = path.join(dir, `${FILE}.part`);
    const kept = statSync(part).size;
    assert.ok(kept > 0 && kept <= BODY.length / 2, `kept ${kept} bytes`);
    assert.deepEqual(readFileSync(part), BODY.subarray(0, kept));
    assert.equal(existsSync(path.join(dir, FILE)), false);

    const [r] = await downloadDataset({ dir, endpoint: srv.endpoint, files: [FILE], retries: 0 });
    assert.equal(r.status, 'resumed');
    assert.deepEqual(readFileSync(path.join(dir, FILE)), BODY);
    assert.equal(srv.seen.at(-1)!.range, `bytes=${kept}-`);

    const before = srv.seen.length;
    const [again] = await downloadDataset({ dir, endpoint: srv.endpoint, files: [FILE] });
    assert.equal(again.status, 'verified');
    assert.equal(srv.seen.length, before, 'no request when the record matches');

    // A damaged file no longer matches the record and is fetched again.
    const damaged = Buffer.from(BODY);
    damaged[10] ^= 0xff;
    writeFileSync(path.join(dir, FILE), damaged);
    const [fixed] = await downloadDataset({ dir, endpoint: srv.endpoint, files: [FILE] });
    assert.equal(fixed.status, 'downloaded');
    assert.deepEqual(readFileSync(path.join(dir, FILE)), BODY);
  } finally {
    await srv.close();
  }
});

test('a 404 fails at once with a clear error, without retrying', async () => {
  const dir = tempDir('dl3');
  const srv = await hfServer({ cutFirst: 0 });
  try {
    await assert.rejects(
      downloadDataset({ dir, endpoint: srv.endpoint, files: ['data/missing.parquet'], retries: 3, backoffMs: 10 }),
      (e: unknown) => e instanceof TinynetError && /HTTP 404/.test(e.message),
    );
    assert.equal(srv.seen.filter((s) => s.url.startsWith('/cdn/')).length, 1);
  } finally {
    await srv.close();
  }
});
