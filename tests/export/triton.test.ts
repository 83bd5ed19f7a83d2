import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { inspectFile } from '../../export/inspect.js';
import { writeTritonRepository } from '../../export/triton.js';
import { parsePbtxt, type PbMessage } from '../helpers/pbtxt.js';
import { writeTinyModel } from '../helpers/serve-fixtures.js';
import { tinyProject, tinynet } from '../helpers/cli.js';

process.env.TINYNET_LOG = 'warn';

const one = (m: PbMessage, field: string) => {
  assert.equal(m[field]?.length, 1, `exactly one ${field}`);
  return m[field][0];
};
const TYPES: Record<string, string> = { uint8: 'TYPE_UINT8', float: 'TYPE_FP32' };

/** config.pbtxt against the ONNX file it was written for, field by field. */
async function checkRepository(modelFile: string, repo: string, name: string, maxBatch: number, delayMs: number) {
  const cfg = parsePbtxt(readFileSync(path.join(repo, name, 'config.pbtxt'), 'utf8'));
  const onnx = inspectFile(modelFile);
  const session = await ort.InferenceSession.create(modelFile);
  assert.equal(one(cfg, 'name'), name);
  assert.equal(one(cfg, 'platform'), 'onnxruntime_onnx');
  assert.equal(one(cfg, 'max_batch_size'), maxBatch);
  const delay = one(cfg, 'dynamic_batching') as PbMessage;
  assert.equal(one(delay, 'max_queue_delay_microseconds'), delayMs * 1000);
  for (const [kind, tensors, names] of [
    ['input', onnx.inputs, session.inputNames],
    ['output', onnx.outputs, session.outputNames],
  ] as const) {
    const blocks = cfg[kind] as PbMessage[];
    assert.deepEqual(
      blocks.map((b) => one(b, 'name')),
      [...names],
      `${kind} names as onnxruntime sees them`,
    );
    blocks.forEach((b, i) => {
      const t = tensors[i];
      assert.equal(one(b, 'data_type'), TYPES[t.dtype], `${t.name} datatype`);
      assert.deepEqual(b.dims, t.dims.slice(1), `${t.name} dims without the batch dimension`);
      if (kind === 'output') assert.equal(one(b, 'label_filename'), 'labels.txt');
      else assert.equal(b.label_filename, undefined);
    });
  }
  const labels = readFileSync(path.join(repo, name, 'labels.txt'), 'utf8')
    .trimEnd()
    .split('\n');
  assert.deepEqual(
    labels,
    onnx.metadata.classes!.map((c) => c.name),
  );
  assert.equal(labels.length, onnx.outputs[0].dims.at(-1));
  assert.deepEqual(readFileSync(path.join(repo, name, '1', 'model.onnx')), readFileSync(modelFile), 'version 1 is the exported file');
  await session.release();
}

test('tinynet export --triton writes a model repository that matches the exported model', async () => {
  const dir = tinyProject('tinynet-triton-');
  const train = await tinynet(dir, ['train', '--config', 'tiny.yaml', '--set', 'train.epochs=1', '--set', 'train.max_steps_per_epoch=2']);
  assert.equal(train.code, 0, train.stderr);
  const exp = await tinynet(dir, [
    'export',
    '--config',
    'tiny.yaml',
    '--samples',
    '4',
    '--triton',
    'triton',
    '--set',
    'serve.max_batch=16',
    '--set',
    'serve.max_delay_ms=2.5',
  ]);
  assert.equal(exp.code, 0, exp.stderr);
  assert.match(exp.stdout, /Triton model repository: .*triton\/model \(config\.pbtxt, 1\/model\.onnx, labels\.txt\)/);
  await checkRepository(path.join(dir, 'artifacts/model.onnx'), path.join(dir, 'triton'), 'model', 16, 2.5);
});

test('a float32-input model maps to TYPE_FP32; a model without labels is refused and nothing is written', async () => {
  const model = writeTinyModel({ inputDtype: 'float32', numClasses: 6 }, 'classifier.onnx');
  const repo = mkdtempSync(path.join(tmpdir(), 'tinynet-triton-f32-'));
  writeTritonRepository(model, repo, { maxBatchSize: 8, maxQueueDelayMs: 5 });
  await checkRepository(model, repo, 'classifier', 8, 5);

  const bare = writeTinyModel({ withMetadata: false, numClasses: 3 }, 'bare.onnx');
  const out = mkdtempSync(path.join(tmpdir(), 'tinynet-triton-bare-'));
  assert.throws(() => writeTritonRepository(bare, out, { maxBatchSize: 8, maxQueueDelayMs: 5 }), /carries 0 labels for 3 outputs/);
  assert.equal(existsSync(path.join(out, 'bare')), false);
});
