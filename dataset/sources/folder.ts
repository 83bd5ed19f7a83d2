import { createHash } from 'node:crypto';
import path from 'node:path';
import { TinynetError } from '../../core/errors.js';
import type { ClassInfo } from '../classes.js';
import type { DatasetSource, SourceItem, SourceSplit } from './source.js';
import { openTree, type FileTree } from './file-tree.js';

const IMAGE_EXT = /\.(jpe?g|png|webp|bmp|gif)$/i;

interface Entry {
  file: string;
  label: number;
}

/**
 * The original Tiny ImageNet layout (`tiny-imagenet-200.zip`, unzipped or not):
 * `train/<wnid>/images/*.JPEG` and `val/images/*` labelled by `val/val_annotations.txt`.
 * Folder wnids map to label ids through the class list's `wnid`.
 */
export class FolderSource implements DatasetSource {
  readonly kind = 'tiny-imagenet-folder';

  private constructor(
    private readonly tree: FileTree,
    readonly classes: ClassInfo[],
    private readonly entries: Record<SourceSplit, Entry[]>,
  ) {}

  static async open(p: string, classes: ClassInfo[]): Promise<FolderSource> {
    const tree = await openTree(p);
    try {
      const files = tree.files();
      // The archive nests everything under `tiny-imagenet-200/`; find the root by the annotations file.
      const ann = files.find((f) => f === 'val/val_annotations.txt' || f.endsWith('/val/val_annotations.txt'));
      if (!ann) {
        throw new TinynetError(
          'dataset.bad_layout',
          `${p} has no val/val_annotations.txt`,
          'dataset.path must be the Tiny ImageNet folder (train/, val/) or its zip',
        );
      }
      const prefix = ann.slice(0, ann.length - 'val/val_annotations.txt'.length);
      const byWnid = new Map(classes.map((c) => [c.wnid, c.id]));
      const labelOf = (wnid: string, where: string): number => {
        const id = byWnid.get(wnid);
        if (id === undefined) {
          throw new TinynetError(
            'dataset.bad_label',
            `${where}: wnid ${wnid} is not in the class list`,
            'set dataset.classes to a class list covering every folder',
          );
        }
        return id;
      };

      const train: Entry[] = [];
      const trainRe = new RegExp(`^${escapeRe(prefix)}train/([^/]+)/images/([^/]+)$`);
      for (const f of files) {
        const m = trainRe.exec(f);
        if (m && IMAGE_EXT.test(m[2])) train.push({ file: f, label: labelOf(m[1], f) });
      }
      train.sort((a, b) => a.label - b.label || compareNatural(a.file, b.file));

      const annText = Buffer.from(await tree.read(ann)).toString('utf8');
      const present = new Set(files);
      const val: Entry[] = [];
      annText.split(/\r?\n/).forEach((line, i) => {
        if (!line.trim()) return;
        const [name, wnid] = line.split('\t');
        if (!name || !wnid) throw new TinynetError('dataset.bad_layout', `${ann} line ${i + 1} is not "file<TAB>wnid<TAB>..."`);
        const file = `${prefix}val/images/${name}`;
        if (!present.has(file)) throw new TinynetError('dataset.not_found', `${ann} line ${i + 1} names ${file}, which is missing`);
        val.push({ file, label: labelOf(wnid, `${ann} line ${i + 1}`) });
      });
      val.sort((a, b) => compareNatural(a.file, b.file));
      if (train.length === 0) throw new TinynetError('dataset.bad_layout', `${p} has no train/<wnid>/images/* files`);
      return new FolderSource(tree, classes, { train, val });
    } catch (err) {
      await tree.close();
      throw err;
    }
  }

  async labels(split: SourceSplit): Promise<Int32Array> {
    return Int32Array.from(this.entries[split], (e) => e.label);
  }

  async *items(split: SourceSplit): AsyncIterable<SourceItem> {
    const list = this.entries[split];
    for (let index = 0; index < list.length; index++) {
      yield { index, bytes: await this.tree.read(list[index].file), path: list[index].file };
    }
  }

  async fingerprint(): Promise<string> {
    return createHash('sha256').update(this.kind).update(this.tree.fingerprint()).digest('hex');
  }

  async close(): Promise<void> {
    await this.tree.close();
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `val_2.JPEG` before `val_10.JPEG`. */
function compareNatural(a: string, b: string): number {
  return path.basename(a).localeCompare(path.basename(b), 'en', { numeric: true }) || a.localeCompare(b);
}
