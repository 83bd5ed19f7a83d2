import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import yauzl from 'yauzl';
import { TinynetError } from '../../core/errors.js';

/** Read-only view of a folder or a zip archive, by '/'-separated relative paths. */
export interface FileTree {
  /** Every file path, relative to the tree root. */
  files(): string[];
  read(rel: string): Promise<Uint8Array>;
  /** Enough to notice that the content changed. */
  fingerprint(): string;
  close(): Promise<void>;
}

export class DirTree implements FileTree {
  private list: string[] | null = null;
  constructor(readonly root: string) {}

  files(): string[] {
    if (!this.list) {
      this.list = (readdirSync(this.root, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
        .filter((d) => d.isFile())
        .map((d) =>
          path
            .relative(this.root, path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name))
            .split(path.sep)
            .join('/'),
        )
        .sort();
    }
    return this.list;
  }

  read(rel: string): Promise<Uint8Array> {
    return readFile(path.join(this.root, rel));
  }

  fingerprint(): string {
    // Names of every file plus the mtime of each directory: adding, removing or replacing files shows.
    const dirs = new Set(this.files().map((f) => path.posix.dirname(f)));
    const stamps = [...dirs].sort().map((d) => `${d}:${statSync(path.join(this.root, d)).mtimeMs}`);
    return `${this.root}\n${this.files().length}\n${stamps.join('\n')}`;
  }

  async close(): Promise<void> {}
}

export class ZipTree implements FileTree {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly entries: Map<string, yauzl.Entry>,
    private readonly file: string,
  ) {}

  static async open(file: string): Promise<ZipTree> {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, z) => (err ? reject(err) : resolve(z!))),
    ).catch((err: Error) => {
      throw new TinynetError('dataset.bad_zip', `${file} is not a readable zip archive (${err.message})`, 'download it again');
    });
    const entries = new Map<string, yauzl.Entry>();
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => {
        if (!e.fileName.endsWith('/')) entries.set(e.fileName, e);
        zip.readEntry();
      });
      zip.on('end', () => resolve());
      zip.on('error', (err: Error) => reject(new TinynetError('dataset.bad_zip', `${file}: ${err.message}`, 'download it again')));
      zip.readEntry();
    });
    return new ZipTree(zip, entries, file);
  }

  files(): string[] {
    return [...this.entries.keys()].sort();
  }

  read(rel: string): Promise<Uint8Array> {
    const entry = this.entries.get(rel);
    if (!entry) return Promise.reject(new TinynetError('dataset.not_found', `${rel} is not in ${this.file}`));
    return new Promise((resolve, reject) => {
      this.zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(err ?? new Error('no stream'));
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => resolve(Buffer.concat(chunks)));
      });
    });
  }

  fingerprint(): string {
    const st = statSync(this.file);
    return `${this.file}:${st.size}:${st.mtimeMs}`;
  }

  async close(): Promise<void> {
    this.zip.close();
  }
}

export async function openTree(p: string): Promise<FileTree> {
  if (!existsSync(p)) {
    throw new TinynetError(
      'dataset.not_found',
      `dataset path not found: ${p}`,
      'unzip tiny-imagenet-200.zip there, point dataset.path at the zip itself, or fix dataset.path',
    );
  }
  return statSync(p).isFile() ? ZipTree.open(p) : new DirTree(p);
}
