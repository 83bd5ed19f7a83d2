import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';

test('same seed, same stream; different seed, different stream', () => {
  const a = new Rng(42),
    b = new Rng(42),
    c = new Rng(43);
  const sa = Array.from({ length: 10 }, () => a.nextUint32());
  const sb = Array.from({ length: 10 }, () => b.nextUint32());
  const sc = Array.from({ length: 10 }, () => c.nextUint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

test('state round trip continues the exact stream', () => {
  const a = new Rng(7);
  a.next();
  const saved = a.getState();
  const tail = [a.next(), a.next(), a.next()];
  const b = new Rng(saved);
  assert.deepEqual([b.next(), b.next(), b.next()], tail);
});

test('uniform values are in range and roughly uniform; shuffle is a permutation', () => {
  const r = new Rng(1);
  let sum = 0;
  for (let i = 0; i < 10000; i++) {
    const v = r.next();
    assert.ok(v >= 0 && v < 1);
    sum += v;
  }
  assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
  const items = Array.from({ length: 100 }, (_, i) => i);
  const shuffled = r.shuffle([...items]) as number[];
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual(
    [...shuffled].sort((x, y) => x - y),
    items,
  );
});
