// How much memory a large backup costs the API process: a 200 MB backup streamed from
// Odoo's database manager into a restore (and into a file), against the XML-RPC `dump`
// of a smaller database measured in the same run as the baseline.
// Run: npm run bench (writes bench/results/backup-stream.json).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { OdooClient } from '../src/odoo/client.js';
import { restoreFromStream, streamBackup } from '../src/odoo/database-manager.js';

const MB = 1024 * 1024;
const STREAMED_BYTES = 200 * MB;
const XMLRPC_BYTES = 30 * MB;
const MASTER = 'bench-master';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Runs `work` while sampling RSS every 20 ms; returns the peak growth over the settled baseline. */
async function peakRssGrowth(work: () => Promise<void>): Promise<{ peakGrowthMb: number; seconds: number }> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { peakGrowthMb: Math.round(((peak - baseline) / MB) * 10) / 10, seconds: Math.round(seconds * 100) / 100 };
}

async function main() {
  const double = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/odoo-double-process.ts', JSON.stringify({ big: STREAMED_BYTES, small: XMLRPC_BYTES })],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const baseUrl = await new Promise<string>((resolve) =>
    double.stdout!.once('data', (data: Buffer) => resolve(data.toString().trim())),
  );
  const folder = join(tmpdir(), `fleet-bench-${process.pid}`);
  await mkdir(folder, { recursive: true });
  try {
    // Warm up the code paths once with a small file, so the measurement is of the stream.
    await pipeline(
      await streamBackup(baseUrl, { masterPassword: MASTER, database: 'small', format: 'zip' }),
      createWriteStream(join(folder, 'warmup.zip')),
    );

    let restoredBytes = 0;
    const passThrough = await peakRssGrowth(async () => {
      const backup = await streamBackup(baseUrl, { masterPassword: MASTER, database: 'big', format: 'zip' });
      async function* counted() {
        for await (const chunk of backup as AsyncIterable<Buffer>) {
          restoredBytes += chunk.length;
          yield chunk;
        }
      }
      await restoreFromStream(baseUrl, { masterPassword: MASTER, database: 'big-restored', backup: counted() });
    });

    const hash = createHash('sha256');
    let storedBytes = 0;
    const toDisk = await peakRssGrowth(async () => {
      const backup = await streamBackup(baseUrl, { masterPassword: MASTER, database: 'big', format: 'zip' });
      backup.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        storedBytes += chunk.length;
      });
      await pipeline(backup, createWriteStream(join(folder, 'big.zip')));
    });

    const viaXmlRpc = await peakRssGrowth(async () => {
      const dump = await new OdooClient(baseUrl, { timeoutMs: 120_000 }).dumpDatabase(MASTER, 'small');
      if (dump.length !== XMLRPC_BYTES) throw new Error(`dump returned ${dump.length} bytes`);
    });

    const result = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      runner: 'tsx (source), RSS sampled every 20 ms in the API-side process; the Odoo double runs in another process',
      streamedBackupMb: STREAMED_BYTES / MB,
      streamedThroughRestore: {
        ...passThrough,
        bytes: restoredBytes,
        mbPerSecond: Math.round(STREAMED_BYTES / MB / passThrough.seconds),
      },
      streamedToDisk: {
        ...toDisk,
        bytes: storedBytes,
        sha256: hash.digest('hex'),
        mbPerSecond: Math.round(STREAMED_BYTES / MB / toDisk.seconds),
      },
      baselineXmlRpcDump: {
        ...viaXmlRpc,
        backupMb: XMLRPC_BYTES / MB,
        growthPerBackupMb: Math.round((viaXmlRpc.peakGrowthMb / (XMLRPC_BYTES / MB)) * 100) / 100,
      },
      targetPeakGrowthMb: 50,
    };
    const verdict =
      passThrough.peakGrowthMb < 50 &&
      toDisk.peakGrowthMb < 50 &&
      restoredBytes === STREAMED_BYTES &&
      storedBytes === STREAMED_BYTES;
    await mkdir('bench/results', { recursive: true });
    await writeFile(
      'bench/results/backup-stream.json',
      `${JSON.stringify({ ...result, withinTarget: verdict }, null, 2)}\n`,
    );
    console.log(JSON.stringify({ ...result, withinTarget: verdict }, null, 2));
    if (!verdict) process.exitCode = 1;
  } finally {
    double.kill('SIGTERM');
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
