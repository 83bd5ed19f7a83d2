import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventWriter } from '../../core/tensorboard/index.js';

import { decodeEvents, fields, bytes, str, one } from '../helpers/tb-decoder.js';

test('event file: TFRecord framing with masked CRC-32C, file_version first, scalars/image/text/hparams', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-tb-'));
  const w = new EventWriter(dir);
  w.scalar('train/loss', 2.5, 1);
  w.scalar('val/accuracy', 0.75, 2);
  const red = new Uint8Array(4 * 5 * 3).map((_, i) => (i % 3 === 0 ? 255 : 0));
  await w.images('augmentation/samples', { height: 4, width: 5, images: [red, red, red] }, 0);
  w.text('config', '```yaml\nseed: 1\n```', 0);
  w.hparamsExperiment({ 'train.lr': 0.001, 'model.batchnorm': true }, [{ tag: 'val/accuracy', dataset: 'validation' }]);
  w.hparamsSessionStart({ 'train.lr': 0.001, 'model.batchnorm': true, 'train.optimizer': 'adam' });
  w.hparamsSessionEnd('success');
  w.close();

  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  assert.match(files[0], /^events\.out\.tfevents\.\d+\./);
  const { fileVersion, wallTime, values } = decodeEvents(path.join(dir, files[0]));
  assert.equal(fileVersion, 'brain.Event:2');
  assert.ok(Math.abs(wallTime - Date.now() / 1000) < 600);

  const loss = values.find((v) => v.tag === 'train/loss')!;
  assert.equal(loss.simple, 2.5);
  assert.equal(loss.step, 1);
  assert.ok(Math.abs(values.find((v) => v.tag === 'val/accuracy')!.simple! - 0.75) < 1e-7);

  const img = values.find((v) => v.tag === 'augmentation/samples')!.image!;
  // 3 images → a 2×2 grid with 1-pixel gaps: 2·5+1 wide, 2·4+1 high.
  assert.deepEqual([img.width, img.height], [11, 9]);
  assert.deepEqual([...img.png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(img.png.readUInt32BE(16), 11, 'IHDR width');
  assert.equal(img.png.readUInt32BE(20), 9, 'IHDR height');

  assert.equal(values.find((v) => v.tag === 'config')!.text, '```yaml\nseed: 1\n```');

  const exp = values.find((v) => v.tag === '_hparams_/experiment')!;
  assert.equal(exp.plugin, 'hparams');
  const expData = fields(bytes(fields(exp.content!), 2)!);
  const hparamNames = expData.filter((f) => f.n === 4).map((f) => str(fields(f.v as Buffer), 1));
  assert.deepEqual(hparamNames, ['train.lr', 'model.batchnorm']);
  const metricTag = str(fields(bytes(fields(expData.find((f) => f.n === 5)!.v as Buffer), 1)!), 2);
  assert.equal(metricTag, 'val/accuracy');

  const start = fields(bytes(fields(values.find((v) => v.tag === '_hparams_/session_start_info')!.content!), 3)!);
  const entries = Object.fromEntries(
    start
      .filter((f) => f.n === 1)
      .map((f) => {
        const e = fields(f.v as Buffer); // map entry: key = 1, value = 2 (google.protobuf.Value)
        const val = fields(bytes(e, 2)!);
        return [str(e, 1), val[0].n === 2 ? (val[0].v as Buffer).readDoubleLE(0) : val[0].n === 4 ? Boolean(val[0].v) : (val[0].v as Buffer).toString()];
      }),
  );
  assert.deepEqual(entries, { 'train.lr': 0.001, 'model.batchnorm': true, 'train.optimizer': 'adam' });
  const end = fields(bytes(fields(values.find((v) => v.tag === '_hparams_/session_end_info')!.content!), 4)!);
  assert.equal(Number(one(end, 1)), 1, 'STATUS_SUCCESS');
});

test('the independent reader rejects a flipped byte (its CRC check is real)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-tb-'));
  const w = new EventWriter(dir);
  w.scalar('x', 1, 0);
  w.close();
  const file = path.join(dir, readdirSync(dir)[0]);
  const buf = readFileSync(file);
  buf[buf.length - 6] ^= 0x10;
  writeFileSync(file, buf);
  assert.throws(() => decodeEvents(file), /data CRC/);
});
