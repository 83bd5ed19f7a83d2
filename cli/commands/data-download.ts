import type { Command } from 'commander';
import { downloadDataset, HF_REPO } from '../../dataset/download.js';
import { resolveUserPath } from '../../core/paths.js';
import { printResult } from '../common.js';

export function registerDownload(data: Command): void {
  data
    .command('download')
    .description(`fetch the ${HF_REPO} parquet files (resumable; HF_ENDPOINT / HF_TOKEN honoured)`)
    .option('--dir <dir>', 'destination (dataset.path of the config)', 'data/tiny-imagenet')
    .option('--endpoint <url>', 'Hugging Face endpoint (default $HF_ENDPOINT or https://huggingface.co)')
    .option('--retries <n>', 'retries per file', (v) => Number(v), 5)
    .option('--json', 'print the result as JSON')
    .action(async (o: { dir: string; endpoint?: string; retries: number; json?: boolean }) => {
      const files = await downloadDataset({ dir: resolveUserPath(o.dir), endpoint: o.endpoint, retries: o.retries });
      printResult(files, !!o.json, () => files.map((f) => `${f.status.padEnd(10)} ${f.path} (${f.size} B, sha256 ${f.sha256.slice(0, 16)}…)`).join('\n'));
    });
}
