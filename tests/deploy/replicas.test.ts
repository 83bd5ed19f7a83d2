/**
 * Two `tinynet serve` replicas behind Debian's nginx on loopback, configured by
 * deploy/nginx/tinynet.conf itself: a bounded load runs while one replica is sent SIGTERM, and not
 * one request fails — the drained replica stops taking work, finishes its queue and exits 0.
 * CI sets TINYNET_REQUIRE_CLUSTER=1, so a machine without nginx fails there instead of skipping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { freePort } from '../helpers/free-port.js';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { writeTinyModel, testImage } from '../helpers/serve-fixtures.js';
import { serveCommand } from '../helpers/serve-server.js';
import { onPath } from '../../train/protocol/slurm.js';

const nginxBin = onPath('nginx') ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null);
if (!nginxBin && process.env.TINYNET_REQUIRE_CLUSTER === '1') throw new Error('TINYNET_REQUIRE_CLUSTER=1 but nginx is not installed (apt-get install nginx)');

const REQUESTS = 300;
const CONCURRENCY = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startReplica(model: string, port: number): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, serveCommand(model, port, '--providers', 'cpu', '--threads', '1', '--no-demo'), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TINYNET_LOG: 'info' },
  });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-20000)));
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  assert.equal(JSON.parse(line).listening, `http://127.0.0.1:${port}`);
  return { child, stderr: () => err };
}

/** deploy/nginx/tinynet.conf with this test's ports, inside a main config that keeps nginx in `dir`. */
function nginxConfig(dir: string, listen: number, replicas: number[]): string {
  const site = readFileSync(path.join(PACKAGE_ROOT, 'deploy/nginx/tinynet.conf'), 'utf8')
    .replace(/listen 127\.0\.0\.1:\d+;/, `listen 127.0.0.1:${listen};`)
    .replace(/(\n\s*server 127\.0\.0\.1:\d+[^\n]*)+/, replicas.map((p) => `\n    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join(''));
  assert.match(site, new RegExp(`server 127\\.0\\.0\\.1:${replicas[1]} `), 'the upstream block was found and rewritten');
  writeFileSync(path.join(dir, 'site.conf'), site);
  return [
    'daemon off;',
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${dir}/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/tmp/${t};`),
    `  include ${dir}/site.conf;`,
    '}',
    '',
  ].join('\n');
}

test('two replicas behind nginx: SIGTERM to one under load, zero failed requests, it drains and exits 0', {
  skip: nginxBin ? false : 'nginx is not installed',
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-nginx-'));
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, 'tmp'), { mode: 0o777 });
  const model = writeTinyModel({ numClasses: 5 });
  const [portA, portB, portLb] = [await freePort(), await freePort(), await freePort()];
  const a = await startReplica(model, portA);
  const b = await startReplica(model, portB);
  writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(dir, portLb, [portA, portB]));
  const nginx = spawn(nginxBin!, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let nginxErr = '';
  nginx.stderr!.on('data', (d) => (nginxErr += d));
  try {
    const lb = `http://127.0.0.1:${portLb}`;
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${lb}/v2/health/ready`).then(
        (r) => r.status,
        () => 0,
      );
      if (up === 200) break;
      assert.equal(nginx.exitCode, null, `nginx exited: ${nginxErr}`);
      await sleep(100);
    }
    const png = await testImage('png', 3);
    const statuses = new Map<number, number>();
    const byReplica = { before: new Set<string>(), after: new Set<string>() };
    let sent = 0;
    let aStopped = false;
    let signalled = false;
    const worker = async () => {
      while (sent < REQUESTS) {
        sent += 1;
        if (sent === REQUESTS / 3 && !signalled) {
          signalled = true;
          a.child.kill('SIGTERM');
        }
        const res = await fetch(`${lb}/v1/classify`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }).catch(() => null);
        const status = res?.status ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (res) {
          const body = (await res.json()) as { results?: unknown[] };
          if (status === 200) assert.equal(body.results?.length, 1);
          (aStopped ? byReplica.after : byReplica.before).add(res.headers.get('x-upstream') ?? '');
        }
      }
    };
    const exitA = once(a.child, 'exit').then(([code]) => {
      aStopped = true;
      return code as number;
    });
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.deepEqual([...statuses], [[200, REQUESTS]], 'every request answered 200');
    assert.equal(await exitA, 0, a.stderr());
    assert.match(a.stderr(), /SIGTERM received/);
    assert.match(a.stderr(), /shutting down: no new connections, draining/);
    assert.ok(byReplica.before.has(`127.0.0.1:${portA}`), 'replica A answered before its drain');
    if (byReplica.after.size > 0)
      assert.deepEqual(
        [...byReplica.after].filter((u) => u.includes(`:${portA}`)),
        [],
        'nothing reached A after it exited',
      );
    assert.equal(b.child.exitCode, null, 'replica B still serving');
  } finally {
    for (const c of [a.child, b.child, nginx]) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = once(c, 'exit');
        c.kill('SIGTERM');
        await gone;
      }
    }
  }
});
