/** Graph passes on hand-built IR graphs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../../onnx/builder.js';
import { fuseTransposes, removeDeadNodes, foldBatchNorm } from '../../export/passes/index.js';
import { attr } from '../../onnx/ir.js';

test('fuseTransposes composes back-to-back Transposes and drops identities', () => {
  const g = new GraphBuilder('t');
  const x = g.addInput({ name: 'x', dtype: 'float32', dims: ['N', 2, 3, 4] });
  const a = g.transpose(x, [0, 3, 1, 2]); // NHWC → NCHW
  const b = g.transpose(a, [0, 2, 3, 1]); // and back: identity overall
  const c = g.op('Relu', [b]);
  const d = g.transpose(c, [0, 3, 1, 2]);
  const e = g.transpose(d, [0, 1, 3, 2]); // composed: [0, 3, 2, 1]
  g.addOutput({ name: e, dtype: 'float32', dims: ['N', 4, 3, 2] });
  fuseTransposes(g.graph);
  removeDeadNodes(g.graph);
  const ops = g.graph.nodes.map((n) => n.op);
  assert.deepEqual(ops, ['Relu', 'Transpose']);
  assert.deepEqual(g.graph.nodes[0].inputs, ['x'], 'Relu reads the input directly');
  const last = g.graph.nodes[1];
  assert.deepEqual(last.attrs.perm, attr.ints([0, 3, 2, 1]));
});

test('removeDeadNodes keeps what outputs depend on, drops the rest and unused initializers', () => {
  const g = new GraphBuilder('t');
  const x = g.addInput({ name: 'x', dtype: 'float32', dims: ['N', 3] });
  const used = g.constFloat('w', [1, 2, 3], [3]);
  const unused = g.constFloat('u', [1, 2, 3], [3]);
  const y = g.op('Mul', [x, used]);
  g.op('Add', [x, unused]); // dead
  g.addOutput({ name: y, dtype: 'float32', dims: ['N', 3] });
  assert.equal(removeDeadNodes(g.graph), 1);
  assert.deepEqual([...g.graph.initializers.keys()], [used]);
});

test('foldBatchNorm leaves a BN alone when the conv output has another reader', () => {
  const g = new GraphBuilder('t');
  const x = g.addInput({ name: 'x', dtype: 'float32', dims: ['N', 1, 2, 2] });
  const conv = g.op('Conv', [x, g.constFloat('w', [2], [1, 1, 1, 1])], { kernel_shape: attr.ints([1, 1]) });
  const c = (v: number) => g.constFloat('c', [v], [1]);
  const bn = g.op('BatchNormalization', [conv, c(2), c(1), c(0.5), c(4)], { epsilon: attr.float(0) });
  const sum = g.op('Add', [bn, conv]);
  g.addOutput({ name: sum, dtype: 'float32', dims: ['N', 1, 2, 2] });
  assert.equal(foldBatchNorm(g.graph), 0);
  // Without the second reader it folds: w' = 2·(2/√4) = 2, b' = (0 − 0.5)·1 + 1 = 0.5.
  g.graph.nodes = g.graph.nodes.filter((n) => n.op !== 'Add');
  g.graph.outputs = [{ name: bn, dtype: 'float32', dims: ['N', 1, 2, 2] }];
  assert.equal(foldBatchNorm(g.graph), 1);
  const convNode = g.graph.nodes.find((n) => n.op === 'Conv')!;
  assert.equal(convNode.outputs[0], bn);
  assert.deepEqual(Array.from(g.graph.initializers.get(convNode.inputs[1])!.data as Float32Array), [2]);
  assert.deepEqual(Array.from(g.graph.initializers.get(convNode.inputs[2])!.data as Float32Array), [0.5]);
});
