import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { TinynetError } from '../../core/errors.js';
import type { ClassInfo } from '../classes.js';
import type { DatasetSource, SourceItem, SourceSplit } from './source.js';

const SHARD_PATTERNS: Record<SourceSplit, RegExp> = {
  train: /^train[-_.].*\.parquet$/,
  val: /^(valid|validation|val)[-_.].*\.parquet$/,
};

interface Shard {
  file: string;
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  rows: number;
}

/** Shards of a split: the configured list, or `<root>/data/{train,valid}-*.parquet` (the HF layout). */
export function findShards(root: string, split: SourceSplit, explicit?: string[]): string[] {
  if (explicit && explicit.length > 0) {
    for (const f of explicit) {
      if (!existsSync(f)) throw new TinynetError('dataset.not_found', `parquet file not found: ${f}`, 'fix dataset.files');
    }
    return explicit;
  }
  if (!existsSync(root)) {
    throw new TinynetError(
      'dataset.not_found',
      `dataset path not found: ${root}`,
      'run `tinynet data download` (Tiny ImageNet), `tinynet data synth --out DIR`, or set dataset.path',
    );
  }
  const dataDir = path.join(root, 'data');
  const dir = existsSync(dataDir) ? dataDir : root;
  const files = readdirSync(dir)
    .filter((f) => SHARD_PATTERNS[split].test(f))
    .sort();
  if (files.length === 0) {
    const want = split === 'train' ? 'train-*.parquet' : 'valid-*.parquet';
    throw new TinynetError(
      'dataset.not_found',
      `no ${split} shards (${want}) in ${dir}`,
      'point dataset.path at a folder holding data/train-*.parquet and data/valid-*.parquet, or list them in dataset.files',
    );
  }
  return files.map((f) => path.join(dir, f));
}

async function openShard(file: string): Promise<Shard> {
  let buffer: AsyncBuffer;
  let metadata: FileMetaData;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new TinynetError(
      'dataset.bad_parquet',
      `${file} is not a readable parquet file (${(err as Error).message}); truncated or damaged?`,
      'download it again (`tinynet data download`) or regenerate it',
    );
  }
  const top = topLevelColumns(metadata);
  for (const col of ['image', 'label']) {
    if (!top.has(col)) {
      throw new TinynetError(
        'dataset.bad_parquet',
        `${file} has no \`${col}\` column (columns: ${[...top.keys()].join(', ') || 'none'})`,
        'an HF image-classification parquet needs `image` (struct with `bytes`) and `label` (int) columns',
      );
    }
  }
  if (!top.get('image')!.includes('bytes')) {
    throw new TinynetError('dataset.bad_parquet', `${file}: column \`image\` has no \`bytes\` field (fields: ${top.get('image')!.join(', ')})`);
  }
  return { file, buffer, metadata, rows: Number(metadata.num_rows) };
}

/** Top-level column names with their direct children (walks the flattened parquet schema). */
function topLevelColumns(metadata: FileMetaData): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const schema = metadata.schema;
  let i = 1;
  const skip = (at: number): number => {
    let next = at + 1;
    for (let c = 0; c < (schema[at].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  const rootChildren = schema[0].num_children ?? 0;
  for (let c = 0; c < rootChildren && i < schema.length; c++) {
    const el = schema[i];
    const children: string[] = [];
    let j = i + 1;
    for (let k = 0; k < (el.num_children ?? 0); k++) {
      children.push(schema[j].name);
      j = skip(j);
    }
    out.set(el.name, children);
    i = skip(i);
  }
  return out;
}

/** The ClassLabel names HF `datasets` stores in the file's key-value metadata, when present. */
export function storedClassNames(metadata: FileMetaData): string[] | null {
  const kv = metadata.key_value_metadata?.find((e) => e.key === 'huggingface');
  if (!kv?.value) return null;
  try {
    const info = JSON.parse(kv.value);
    const names = info?.info?.features?.label?.names;
    return Array.isArray(names) ? names.map(String) : null;
  } catch {
    return null;
  }
}

/** Check the names the file stores against the class list (`hf_label`, else `wnid`). */
export function checkStoredNames(file: string, names: string[], classes: ClassInfo[]): void {
  if (names.length !== classes.length) {
    throw new TinynetError(
      'dataset.classes_mismatch',
      `${file} stores ${names.length} class names but the class list has ${classes.length}`,
      'set dataset.classes to the class list of this dataset',
    );
  }
  const bad = classes.filter((c, i) => names[i] !== (c.hf_label ?? c.wnid));
  if (bad.length > 0) {
    const c = bad[0];
    throw new TinynetError(
      'dataset.classes_mismatch',
      `${file} stores label ${c.id} as "${names[c.id]}" but the class list says "${c.hf_label ?? c.wnid}" (${bad.length} mismatches)`,
      'set dataset.classes to the class list of this dataset',
    );
  }
}

/** Hugging Face image-classification parquet: `image` {bytes, path} + `label` int. */
export class ParquetSource implements DatasetSource {
  readonly kind = 'hf-parquet';
  private shards = new Map<SourceSplit, Promise<Shard[]>>();

  constructor(
    private readonly files: Record<SourceSplit, string[]>,
    readonly classes: ClassInfo[],
  ) {}

  static open(root: string, classes: ClassInfo[], explicit?: { train: string[]; val: string[] }): ParquetSource {
    return new ParquetSource({ train: findShards(root, 'train', explicit?.train), val: findShards(root, 'val', explicit?.val) }, classes);
  }

  private open(split: SourceSplit): Promise<Shard[]> {
    let p = this.shards.get(split);
    if (!p) {
      p = (async () => {
        const shards: Shard[] = [];
        for (const f of this.files[split]) {
          const shard = await openShard(f);
          const names = storedClassNames(shard.metadata);
          if (names) checkStoredNames(f, names, this.classes);
          shards.push(shard);
        }
        return shards;
      })();
      this.shards.set(split, p);
    }
    return p;
  }

  async labels(split: SourceSplit): Promise<Int32Array> {
    const shards = await this.open(split);
    const total = shards.reduce((s, sh) => s + sh.rows, 0);
    const out = new Int32Array(total);
    let at = 0;
    for (const sh of shards) {
      const rows = await readRows(sh, ['label'], 0, sh.rows);
      for (let r = 0; r < rows.length; r++) {
        const v = rows[r].label;
        const label = typeof v === 'bigint' ? Number(v) : (v as number);
        if (!Number.isInteger(label) || label < 0 || label >= this.classes.length) {
          throw new TinynetError(
            'dataset.bad_label',
            `${sh.file} row ${r}: label ${String(v)} is out of range 0..${this.classes.length - 1}`,
            'the class list does not match this dataset: set dataset.classes',
          );
        }
        out[at++] = label;
      }
    }
    return out;
  }

  async *items(split: SourceSplit): AsyncIterable<SourceItem> {
    const shards = await this.open(split);
    let index = 0;
    for (const sh of shards) {
      // One row group at a time keeps memory bounded on the 146 MB train file.
      let start = 0;
      for (const rg of sh.metadata.row_groups) {
        const end = start + Number(rg.num_rows);
        const rows = await readRows(sh, ['image'], start, end);
        for (let r = 0; r < rows.length; r++) {
          const image = rows[r].image as { bytes?: unknown; path?: unknown } | null;
          const where = `${path.basename(sh.file)}#${start + r}`;
          const bytes = image?.bytes;
          if (!(bytes instanceof Uint8Array)) {
            throw new TinynetError('dataset.bad_image', `${split} image ${index} (${where}): no image bytes`);
          }
          yield { index, bytes, path: typeof image?.path === 'string' && image.path ? `${where} ${image.path}` : where };
          index++;
        }
        start = end;
      }
    }
  }

  async fingerprint(): Promise<string> {
    const h = createHash('sha256').update(this.kind);
    for (const split of ['train', 'val'] as const) {
      for (const f of this.files[split]) {
        const st = statSync(f);
        h.update(`${split}:${path.resolve(f)}:${st.size}:${st.mtimeMs}\n`);
      }
    }
    return h.digest('hex');
  }

  async close(): Promise<void> {}
}

async function readRows(sh: Shard, columns: string[], rowStart: number, rowEnd: number): Promise<Record<string, unknown>[]> {
  try {
    return (await parquetReadObjects({
      file: sh.buffer,
      metadata: sh.metadata,
      columns,
      rowStart,
      rowEnd,
      utf8: false,
      compressors,
    })) as Record<string, unknown>[];
  } catch (err) {
    throw new TinynetError(
      'dataset.bad_parquet',
      `${sh.file}: cannot read rows ${rowStart}..${rowEnd - 1} of column ${columns.join(',')} (${(err as Error).message}); truncated or damaged?`,
      'download it again (`tinynet data download`) or regenerate it',
    );
  }
}
