import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, existsSync, openSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import { writeFile, rename, rm, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** A sibling name no other writer uses, for temp files and dirs that are renamed into place. */
export function tempSibling(target: string, tag = 'tmp'): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Write a file so readers see the old content or the new, never a half-written one. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * The same, synchronously, with an fsync before the rename: checkpoints and result files survive
 * a crash or power loss right after the call returns.
 */
export function writeFileAtomicSync(file: string, data: Uint8Array | string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    const fd = openSync(tmp, 'w');
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Put a fully written temp dir in place of `dir` (replacing an old one) with renames only. */
export function replaceDir(tmpDir: string, dir: string): void {
  mkdirSync(path.dirname(dir), { recursive: true });
  if (existsSync(dir)) {
    const old = tempSibling(dir, 'old');
    renameSync(dir, old);
    renameSync(tmpDir, dir);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmpDir, dir);
  }
}
