import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeFileAtomic } from '../core/atomic.js';

export interface HfRow {
  bytes: Uint8Array;
  path: string;
  label: number;
}

/**
 * Write rows in the layout `datasets` uses for image classification (what zh-plus/tiny-imagenet
 * ships): `image` struct {bytes, path}, `label` int64, and the ClassLabel names in the `huggingface`
 * key-value metadata. Row groups of 1,000 rows, like HF, so readers can stream.
 */
export function hfParquetBuffer(rows: HfRow[], classNames: string[]): Uint8Array {
  const features = {
    image: { _type: 'Image' },
    label: { names: classNames, _type: 'ClassLabel' },
  };
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'image', data: rows.map((r) => ({ bytes: r.bytes, path: r.path })) },
      { name: 'label', data: rows.map((r) => BigInt(r.label)) },
    ],
    schema: [
      { name: 'schema', num_children: 2 },
      { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'label', type: 'INT64', repetition_type: 'OPTIONAL' },
    ],
    rowGroupSize: 1000,
    statistics: false,
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }],
  });
  return new Uint8Array(buf);
}

export async function writeHfParquet(file: string, rows: HfRow[], classNames: string[]): Promise<void> {
  await writeFileAtomic(file, hfParquetBuffer(rows, classNames));
}
