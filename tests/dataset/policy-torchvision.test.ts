/**
 * The policy ops and magnitude tables against torchvision itself: tests/dataset/torchvision/policy.json
 * holds torchvision's tables and its _apply_op outputs (nearest, fill 0) on two fixed uint8 images,
 * written by policy.py beside it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { applyPolicyOp, augmentationSpace, POLICY_OPS, type PolicyOpName } from '../../dataset/policy/policy.js';

interface Fixture {
  torchvision: string;
  height: number;
  width: number;
  images: string[];
  tables: Record<'randaugment' | 'trivialaugment', { height?: number; width?: number; ops: Record<PolicyOpName, [number[] | null, boolean]> }>;
  cases: { image: number; space: string; op: PolicyOpName; magnitude: number; out: string }[];
}

const fixture = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'tests', 'dataset', 'torchvision', 'policy.json'), 'utf8')) as Fixture;
const bytes = (b64: string) => Uint8Array.from(Buffer.from(b64, 'base64'));

test(`magnitude tables equal torchvision ${fixture.torchvision}'s (31 bins; RandAugment on a non-square image)`, () => {
  for (const name of ['randaugment', 'trivialaugment'] as const) {
    const t = fixture.tables[name];
    const ours = augmentationSpace(name, 31, t.height ?? 64, t.width ?? 64);
    assert.deepEqual(Object.keys(t.ops), [...POLICY_OPS]);
    for (const op of POLICY_OPS) {
      const [mags, signed] = t.ops[op];
      assert.equal(ours[op].signed, signed, `${name} ${op} signed`);
      if (mags === null) assert.equal(ours[op].magnitudes, null);
      else {
        ours[op].magnitudes!.forEach((v, k) => {
          assert.ok(Math.abs(v - mags[k]) < 1e-4 * Math.max(1, Math.abs(mags[k])), `${name} ${op}[${k}]: ${v} vs ${mags[k]}`);
        });
      }
    }
  }
});

test(`every op on fixed images gives torchvision ${fixture.torchvision}'s pixels`, () => {
  const { height: h, width: w } = fixture;
  const images = fixture.images.map(bytes);
  const wrong: string[] = [];
  for (const c of fixture.cases) {
    const got = applyPolicyOp(images[c.image], h, w, { op: c.op, magnitude: c.magnitude });
    const want = bytes(c.out);
    let differ = 0;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) differ++;
    if (differ > 0) wrong.push(`${c.space} ${c.op} ${c.magnitude} on image ${c.image}: ${differ} of ${want.length} values differ`);
  }
  assert.ok(fixture.cases.length > 100);
  assert.deepEqual(wrong, []);
});
