import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onStopSignals, signalExitCode } from '../../core/signals.js';
import { createLogger } from '../../core/log.js';

test('the first SIGINT/SIGTERM asks to stop, once; detaching removes the handlers', () => {
  const before = process.listenerCount('SIGINT');
  const seen: string[] = [];
  const detach = onStopSignals((sig) => seen.push(sig), createLogger('test'), 'saving');
  assert.equal(process.listenerCount('SIGTERM'), before + 1);
  process.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(seen, ['SIGTERM']);
  detach();
  assert.equal(process.listenerCount('SIGINT'), before);
  assert.deepEqual([signalExitCode('SIGINT'), signalExitCode('SIGTERM')], [130, 143]);
});

test('a second signal exits at once with 128 + the signal number', () => {
  const signals = fileURLToPath(new URL('../../core/signals.js', import.meta.url));
  const log = fileURLToPath(new URL('../../core/log.js', import.meta.url));
  const script = `
    const { onStopSignals } = await import(${JSON.stringify(signals)});
    const { createLogger } = await import(${JSON.stringify(log)});
    onStopSignals(() => {}, createLogger('child'), 'saving');
    process.kill(process.pid, 'SIGINT');
    setTimeout(() => process.kill(process.pid, 'SIGINT'), 50);
    setTimeout(() => process.exit(0), 5000);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, TINYNET_LOG: 'warn' } });
  assert.equal(child.status, 130);
  assert.match(child.stderr, /SIGINT again: exiting without saving/);
});
