import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadConfig, storedConfig, validateConfig } from '../../core/config/index.js';
import { packageFile } from '../../core/paths.js';
import { TinynetError } from '../../core/errors.js';

function expectConfigError(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TinynetError, 'a TinynetError');
    for (const f of fragments) assert.match(err.message, new RegExp(f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    return true;
  });
}

test('the shipped configs validate and carry the course report defaults', () => {
  const { config } = loadConfig(packageFile('configs', 'config.yaml'));
  assert.equal(config.seed, 42);
  assert.equal(config.dataset.source, 'hf-parquet');
  assert.equal(config.dataset.test_ratio, 0.1);
  assert.equal(config.augment.hflip, 0.5);
  assert.deepEqual(config.augment.random_resized_crop.scale, [0.8, 1.0]);
  assert.equal(config.augment.color_jitter.hue, 0.2);
  assert.deepEqual(config.model.blocks, [3, 3, 3]);
  assert.deepEqual(config.model.widths, [64, 128, 256]);
  assert.equal(config.model.dropout, 0.1);
  assert.equal(config.train.optimizer, 'adam');
  assert.equal(config.train.lr, 1e-4);
  assert.equal(config.train.weight_decay, 1e-4);
  assert.equal(config.train.batch_size, 32);
  const smoke = loadConfig(packageFile('configs', 'smoke.yaml')).config;
  assert.equal(smoke.dataset.source, 'synthetic');
});

test('built-in defaults fill every section when no file is given', () => {
  const { config } = loadConfig(null);
  assert.equal(config.train.schedule.name, 'constant');
  assert.equal(config.serve.host, '127.0.0.1');
  assert.equal(config.dataset.synthetic.classes, 10);
});

test('--set overrides any key, parsed as YAML', () => {
  const { config } = loadConfig(null, ['train.lr=3e-4', 'model.blocks=[2,2,2]', 'augment.enabled=false', 'train.experiment=abc']);
  assert.equal(config.train.lr, 3e-4);
  assert.deepEqual(config.model.blocks, [2, 2, 2]);
  assert.equal(config.augment.enabled, false);
  assert.equal(config.train.experiment, 'abc');
});

test('an unknown key names the key and the accepted keys', () => {
  expectConfigError(() => loadConfig(null, ['train.lrr=1']), 'unknown config key "train.lrr"', 'accepted:', 'weight_decay');
  expectConfigError(() => loadConfig(null, ['nope=1']), 'unknown config key "nope"');
});

test('a bad value names the key, the value and what is accepted', () => {
  expectConfigError(() => loadConfig(null, ['dataset.source=s3']), 'dataset.source', '"s3"', 'synthetic');
  expectConfigError(() => loadConfig(null, ['train.lr=-1']), 'train.lr', '-1');
  expectConfigError(() => loadConfig(null, ['model.blocks=[2,2]']), 'model.widths', 'same length');
});

test('a malformed override, missing file or non-mapping YAML is a clear error', () => {
  expectConfigError(() => loadConfig(null, ['train.lr']), 'key=value');
  expectConfigError(() => loadConfig('/definitely/not/here.yaml'), 'not found');
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-cfg-'));
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, '- a\n- b\n');
  expectConfigError(() => loadConfig(bad), 'mapping');
  writeFileSync(bad, 'train: {lr: [\n');
  expectConfigError(() => loadConfig(bad), 'not valid YAML');
});

test('relative paths resolve against the working directory', () => {
  const { config } = validateConfig({ paths: { cache: 'c' }, dataset: { path: 'd' } }, null, '/some/where');
  assert.equal(config.paths.cache, '/some/where/c');
  assert.equal(config.dataset.path, '/some/where/d');
  assert.equal(config.paths.artifacts, '/some/where/artifacts');
});

test('the config hash changes with the content', () => {
  assert.notEqual(loadConfig(null, ['train.lr=1e-3']).hash, loadConfig(null, ['train.lr=2e-3']).hash);
  assert.equal(loadConfig(null).hash, loadConfig(null).hash);
});

test('a config stored by an earlier tinynet loads without its retired keys; a file naming them is refused', () => {
  const { config } = storedConfig({ export: { opset: 17, tolerance: 0.01 } }, ['train.lr=0.5']);
  assert.equal(config.export.tolerance, 0.01);
  assert.equal(config.train.lr, 0.5);
  assert.throws(
    () => validateConfig({ export: { opset: 17 } }),
    (e: unknown) => e instanceof TinynetError && e.code === 'config.invalid',
  );
});
