/**
 * A fuzz set of malformed requests for the server: each must get a 4xx JSON error and leave the
 * server live and correct. Deterministic (seeded), so a failure names the same case every run.
 */
import { deflateSync } from 'node:zlib';
import { Rng } from '../../core/rng.js';
import { testImage } from './serve-fixtures.js';

export interface BadRequest {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
  /** The exact status expected, or null for "any 4xx". */
  status: number | null;
}

/** A real decompression bomb: a 20000×20000 1-bit PNG (400 Mpx) of a few tens of kB. */
export function pngBomb(size = 20000): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 1; // bit depth 1
  ihdr[9] = 0; // grayscale
  const raw = Buffer.alloc(size * (1 + Math.ceil(size / 8))); // filter byte + packed row, all zero
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export async function malformedRequests(modelName: string, bodyLimitBytes: number): Promise<BadRequest[]> {
  const rng = new Rng(99);
  const out: BadRequest[] = [];
  const classify = (name: string, type: string | null, body: Uint8Array | string, status: number | null) =>
    out.push({ name, method: 'POST', path: '/v1/classify', headers: type ? { 'content-type': type } : {}, body, status });
  const infer = (name: string, body: string, status: number | null = 400, path = `/v2/models/${modelName}/infer`) =>
    out.push({ name, method: 'POST', path, headers: { 'content-type': 'application/json' }, body, status });

  const images = { png: await testImage('png', 1), jpeg: await testImage('jpeg', 2), webp: await testImage('webp', 3), gif: await testImage('gif', 4) };

  // Truncated images at many cut points: raw, base64 JSON and multipart.
  for (const [fmt, buf] of Object.entries(images)) {
    for (let i = 0; i < 14; i++) {
      const cut = Math.max(1, Math.floor(buf.length * (0.02 + 0.9 * rng.next())));
      classify(`truncated ${fmt} raw @${cut}`, `image/${fmt}`, buf.subarray(0, cut), null);
    }
    for (let i = 0; i < 4; i++) {
      const cut = Math.floor(buf.length * (0.1 + 0.2 * i));
      classify(`truncated ${fmt} base64 @${cut}`, 'application/json', JSON.stringify({ images: [buf.subarray(0, cut).toString('base64')] }), 422);
    }
  }
  // Random bytes under every image type, and corrupted images (flipped bytes in the middle).
  for (let i = 0; i < 20; i++) {
    const bytes = new Uint8Array(1 + rng.int(2000)).map(() => rng.int(256));
    classify(`random bytes #${i}`, ['image/png', 'image/jpeg', 'image/webp', 'image/gif'][i % 4], bytes, null);
  }
  for (let i = 0; i < 12; i++) {
    const src = Object.values(images)[i % 4];
    const bytes = Buffer.from(src);
    for (let k = 0; k < 40; k++) bytes[8 + rng.int(bytes.length - 8)] = rng.int(256);
    // Header kept, body scrambled: either undecodable (422) or decodable garbage — never 5xx.
    classify(`scrambled ${['png', 'jpeg', 'webp', 'gif'][i % 4]} #${i}`, `image/${['png', 'jpeg', 'webp', 'gif'][i % 4]}`, bytes, null);
  }
  // Content types we do not take.
  for (const type of [
    'text/plain',
    'application/xml',
    'image/svg+xml',
    'image/tiff',
    'application/octet-stream',
    'video/mp4',
    'x/y',
    'image',
    ';;;',
    'application/x-www-form-urlencoded',
  ]) {
    classify(`content type ${type}`, type, images.png, 415);
  }
  classify('no content type', null, images.png, 415);
  classify('empty raw body', 'image/png', new Uint8Array(0), 400);
  classify('svg bytes labelled png', 'image/png', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', null);
  // The decompression bomb, raw and in JSON.
  const bomb = pngBomb();
  classify('20000×20000 PNG bomb', 'image/png', bomb, 413);
  classify('PNG bomb in JSON', 'application/json', JSON.stringify({ images: [bomb.toString('base64')] }), 413);
  // Oversized bodies.
  const big = new Uint8Array(bodyLimitBytes + 1024);
  classify('oversized raw body', 'image/png', big, 413);
  classify('oversized JSON body', 'application/json', JSON.stringify({ images: ['A'.repeat(bodyLimitBytes + 10)] }), 413);
  infer(
    'oversized tensor body',
    JSON.stringify({ inputs: [{ name: 'image', shape: [1, 64, 64, 3], datatype: 'UINT8', data: 'x'.repeat(bodyLimitBytes) }] }),
    413,
  );

  // Bad JSON.
  const badJson = [
    '',
    '{',
    '}',
    '{"images":',
    '[1,2',
    'null,',
    '{"images": [}',
    "{'images': []}",
    'undefined',
    'NaN',
    '{"images": ["a"]',
    '\u0000',
    '{"a":1}{"b":2}',
    '{"images":[]]}',
    '"\\x"',
  ];
  for (const [i, text] of badJson.entries()) {
    classify(`bad JSON #${i}`, 'application/json', text, 400);
    infer(`bad JSON tensor #${i}`, text, 400);
  }
  // JSON with wrong fields.
  const badFields: unknown[] = [
    null,
    1,
    'x',
    [],
    {},
    { images: null },
    { images: 'abc' },
    { images: {} },
    { images: [] },
    { images: [1] },
    { images: [null] },
    { images: [{}] },
    { images: ['!!!'] },
    { images: ['abc$'] },
    { images: [''] },
    { images: ['data:image/png;base64,'] },
    { images: [['a']] },
    { images: [true] },
  ];
  for (const [i, v] of badFields.entries()) classify(`bad images field #${i}`, 'application/json', JSON.stringify(v), 400);
  // Multipart, broken.
  const boundary = 'XyZ123';
  const part = (name: string, filename: string | null, type: string, body: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`;
  const mp = (body: string, b = boundary) => [`multipart/form-data; boundary=${b}`, body] as const;
  const multiparts: Array<[string, readonly [string, string], number | null]> = [
    ['no boundary parameter', ['multipart/form-data', `${part('a', 'a.png', 'image/png', 'xx')}--${boundary}--`], 400],
    ['wrong boundary', mp(`${part('a', 'a.png', 'image/png', 'xx')}--${boundary}--`, 'other'), 400],
    ['missing closing boundary', mp(part('a', 'a.png', 'image/png', 'xx')), 400],
    ['truncated in headers', mp(`--${boundary}\r\nContent-Disposition: form-da`), 400],
    ['empty body', mp(''), 400],
    ['only text fields', mp(`${part('a', null, 'text/plain', 'hello')}--${boundary}--\r\n`), 400],
    ['garbage', mp('this is not multipart at all'), 400],
    ['file part with junk', mp(`${part('a', 'a.png', 'image/png', 'not an image')}--${boundary}--\r\n`), 422],
    ['empty file part', mp(`${part('a', 'a.png', 'image/png', '')}--${boundary}--\r\n`), 400],
    ['two junk files', mp(`${part('a', 'a.png', 'image/png', 'junk') + part('b', 'b.png', 'image/png', 'junk2')}--${boundary}--\r\n`), 422],
    ['binary noise after boundary', mp(`--${boundary}\r\n\u0001\u0002\u0003\r\n\r\n--${boundary}--`), 400],
    ['no disposition', mp(`--${boundary}\r\nContent-Type: image/png\r\n\r\nxx\r\n--${boundary}--\r\n`), 400],
  ];
  for (const [name, [type, body], status] of multiparts) classify(`multipart: ${name}`, type, body, status);
  // Bad topk.
  for (const topk of ['0', '-1', 'abc', '1.5', '', '1e3', '99999999999', '%00', '[]', 'NaN']) {
    out.push({
      name: `topk=${topk}`,
      method: 'POST',
      path: `/v1/classify?topk=${encodeURIComponent(topk)}`,
      headers: { 'content-type': 'image/png' },
      body: images.png,
      status: 400,
    });
  }
  // Bad tensors.
  const n = 64 * 64 * 3;
  const good = { name: 'image', shape: [1, 64, 64, 3], datatype: 'UINT8', data: new Array(n).fill(7) };
  const tensors: Array<[string, unknown]> = [
    ['no inputs', {}],
    ['inputs not array', { inputs: {} }],
    ['two inputs', { inputs: [good, good] }],
    ['zero inputs', { inputs: [] }],
    ['input null', { inputs: [null] }],
    ['wrong name', { inputs: [{ ...good, name: 'x' }] }],
    ['FP32 to a uint8 model', { inputs: [{ ...good, datatype: 'FP32' }] }],
    ['INT64 datatype', { inputs: [{ ...good, datatype: 'INT64' }] }],
    ['BYTES datatype', { inputs: [{ ...good, datatype: 'BYTES' }] }],
    ['rank 3 shape', { inputs: [{ ...good, shape: [64, 64, 3] }] }],
    ['NCHW shape', { inputs: [{ ...good, shape: [1, 3, 64, 64] }] }],
    ['N = 0', { inputs: [{ ...good, shape: [0, 64, 64, 3], data: [] }] }],
    ['negative N', { inputs: [{ ...good, shape: [-1, 64, 64, 3] }] }],
    ['fractional dim', { inputs: [{ ...good, shape: [1.5, 64, 64, 3] }] }],
    ['string shape', { inputs: [{ ...good, shape: '1,64,64,3' }] }],
    ['wrong size 32', { inputs: [{ ...good, shape: [1, 32, 32, 3], data: new Array(32 * 32 * 3).fill(1) }] }],
    ['too few values', { inputs: [{ ...good, data: new Array(n - 1).fill(1) }] }],
    ['too many values', { inputs: [{ ...good, data: new Array(n + 1).fill(1) }] }],
    ['N says 2, data for 1', { inputs: [{ ...good, shape: [2, 64, 64, 3] }] }],
    ['value 256', { inputs: [{ ...good, data: [...good.data.slice(1), 256] }] }],
    ['value -1', { inputs: [{ ...good, data: [-1, ...good.data.slice(1)] }] }],
    ['value 1.5', { inputs: [{ ...good, data: [1.5, ...good.data.slice(1)] }] }],
    ['string value', { inputs: [{ ...good, data: ['7', ...good.data.slice(1)] }] }],
    ['null value', { inputs: [{ ...good, data: [null, ...good.data.slice(1)] }] }],
    ['data is string', { inputs: [{ ...good, data: 'abc' }] }],
    ['data is object', { inputs: [{ ...good, data: { a: 1 } }] }],
    ['data missing', { inputs: [{ name: 'image', shape: [1, 64, 64, 3], datatype: 'UINT8' }] }],
    ['deeply nested data', { inputs: [{ ...good, data: [[[[[[[[1]]]]]]]] }] }],
    ['unknown output', { inputs: [good], outputs: [{ name: 'features' }] }],
    ['outputs not array', { inputs: [good], outputs: 'logits' }],
    ['output without name', { inputs: [good], outputs: [{}] }],
  ];
  for (const [name, body] of tensors) infer(`tensor: ${name}`, JSON.stringify(body));
  infer('infer on an unknown model', JSON.stringify({ inputs: [good] }), 404, '/v2/models/nope/infer');
  out.push({
    name: 'infer as text/plain',
    method: 'POST',
    path: `/v2/models/${modelName}/infer`,
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ inputs: [good] }),
    status: 415,
  });
  // Wrong methods and unknown paths.
  for (const [method, path] of [
    ['GET', '/v1/classify'],
    ['PUT', '/v1/classify'],
    ['DELETE', '/v1/classify'],
    ['PATCH', '/v1/classify'],
    ['GET', `/v2/models/${modelName}/infer`],
    ['PUT', `/v2/models/${modelName}/infer`],
    ['POST', '/v2'],
    ['POST', '/v2/health/live'],
    ['DELETE', `/v2/models/${modelName}`],
    ['POST', '/metrics'],
  ] as const) {
    out.push({ name: `${method} ${path}`, method, path, headers: {}, body: method === 'GET' || method === 'DELETE' ? undefined : 'x', status: 405 });
  }
  for (const path of [
    '/v1',
    '/v1/classify/extra',
    '/v2/models',
    '/v2/models/x/y/z',
    '/v3',
    '/admin',
    '/..%2f..%2fetc/passwd',
    '/v1/classify%00',
    '/v2/models/nope',
  ]) {
    out.push({ name: `GET ${path}`, method: 'GET', path, headers: {}, status: 404 });
  }
  return out;
}
