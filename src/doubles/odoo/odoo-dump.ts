// Database dumps as the Odoo double makes and reads them, in the shapes Odoo's own dumps
// have: format `zip` is a zip archive holding `dump.sql`, `manifest.json` and
// `filestore/<xx>/<sha1>` files; format `dump` is pg_dump's custom format (starts with
// `PGDMP`). The double keeps its tables as one JSON document inside `dump.sql`; the
// filestore carries the bulk (a deterministic file of the requested size), generated
// and read chunk by chunk so dumps far larger than memory stream through.
// Entries are stored uncompressed with their sizes and CRC-32 in the local headers, so
// a reader can follow them from the front of the stream.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

const CHUNK = 64 * 1024;
const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
/** 2026-06-01 12:00:00 in DOS time: fixed, so the same database dumps to the same bytes */
const DOS_TIME = (12 << 11) | (0 << 5);
const DOS_DATE = ((2026 - 1980) << 9) | (6 << 5) | 1;
const STATE_PREFIX = '-- odoo-double-state: ';
export const NOT_A_DUMP = "Couldn't restore database";

/** A dump's content: the double's tables, and the size its filestore should bring the file to. */
export interface DumpContent {
  database: string;
  serverSerie: string;
  /** JSON-ready tables of the database */
  state: unknown;
  modules: Record<string, string>;
  totalBytes: number;
}

function filestoreBlock(seedText: string): Buffer {
  const seed = createHash('sha256').update(seedText).digest();
  const block = Buffer.alloc(CHUNK);
  for (let offset = 0; offset < CHUNK; offset += seed.length) seed.copy(block, offset);
  return block;
}

function* filestoreChunks(seedText: string, bytes: number): Generator<Buffer> {
  const block = filestoreBlock(seedText);
  for (let sent = 0; sent < bytes; sent += CHUNK) {
    block.writeUInt32BE(sent / CHUNK, 0);
    yield Buffer.from(block.subarray(0, Math.min(CHUNK, bytes - sent)));
  }
}

interface Entry {
  name: string;
  size: number;
  crc: number;
  chunks: () => Iterable<Buffer>;
}

function localHeader(entry: Entry): Buffer {
  const name = Buffer.from(entry.name);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(20, 4); // version needed
  header.writeUInt16LE(0x0800, 6); // UTF-8 names
  header.writeUInt16LE(0, 8); // stored
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(entry.crc, 14);
  header.writeUInt32LE(entry.size, 18);
  header.writeUInt32LE(entry.size, 22);
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(0, 28);
  return Buffer.concat([header, name]);
}

function centralHeader(entry: Entry, offset: number): Buffer {
  const name = Buffer.from(entry.name);
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(20, 6);
  header.writeUInt16LE(0x0800, 8);
  header.writeUInt16LE(0, 10);
  header.writeUInt16LE(DOS_TIME, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(entry.crc, 16);
  header.writeUInt32LE(entry.size, 20);
  header.writeUInt32LE(entry.size, 24);
  header.writeUInt16LE(name.length, 28);
  header.writeUInt32LE(offset, 42);
  return Buffer.concat([header, name]);
}

const fixedOverhead = (names: string[]) =>
  names.reduce((sum, name) => sum + 30 + 46 + 2 * Buffer.byteLength(name), 0) + 22;

/** The zip dump of a database, chunk by chunk; its size is `totalBytes` when that is enough to hold the tables. */
export function* zipDumpChunks(content: DumpContent): Generator<Buffer> {
  const sql = Buffer.from(
    `--\n-- PostgreSQL database dump of ${content.database} (Odoo test double)\n--\n${STATE_PREFIX}${JSON.stringify(content.state)}\n`,
  );
  const manifest = Buffer.from(
    JSON.stringify(
      {
        odoo_dump: '1',
        db_name: content.database,
        version: content.serverSerie,
        version_info: [...content.serverSerie.split('.').map(Number), 0, 'final', 0, ''],
        major_version: content.serverSerie,
        pg_version: '15.0',
        modules: content.modules,
      },
      null,
      4,
    ),
  );
  const seed = `${content.database}:filestore`;
  const filestoreName = `filestore/${createHash('sha1').update(seed).digest('hex').slice(0, 2)}/${createHash('sha1').update(seed).digest('hex')}`;
  const names = ['dump.sql', 'manifest.json', filestoreName];
  const filestoreBytes = Math.max(0, content.totalBytes - fixedOverhead(names) - sql.length - manifest.length);
  let filestoreCrc = 0;
  for (const chunk of filestoreChunks(seed, filestoreBytes)) filestoreCrc = crc32(chunk, filestoreCrc);
  const entries: Entry[] = [
    { name: 'dump.sql', size: sql.length, crc: crc32(sql), chunks: () => [sql] },
    { name: 'manifest.json', size: manifest.length, crc: crc32(manifest), chunks: () => [manifest] },
    {
      name: filestoreName,
      size: filestoreBytes,
      crc: filestoreCrc,
      chunks: () => filestoreChunks(seed, filestoreBytes),
    },
  ];
  const offsets: number[] = [];
  let offset = 0;
  for (const entry of entries) {
    offsets.push(offset);
    const header = localHeader(entry);
    yield header;
    offset += header.length;
    for (const chunk of entry.chunks()) yield chunk;
    offset += entry.size;
  }
  const central = Buffer.concat(entries.map((entry, index) => centralHeader(entry, offsets[index]!)));
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(central.length, 12);
  end.writeUInt32LE(offset, 16);
  yield Buffer.concat([central, end]);
}

/** pg_dump's custom format as the double writes it: the header, then the tables. */
export function customDump(content: DumpContent): Buffer {
  const body = Buffer.from(`PGDMP${STATE_PREFIX}${JSON.stringify(content.state)}\n`);
  return content.totalBytes > body.length
    ? Buffer.concat([body, Buffer.alloc(content.totalBytes - body.length, 0x20)])
    : body;
}

/**
 * Reads a dump pushed to it chunk by chunk, as Odoo's restore does: a zip must hold a
 * readable `dump.sql` with every entry's CRC right; anything else that is not pg_dump's
 * custom format is refused with Odoo's message.
 */
export class DumpReader {
  private buffer: Buffer = Buffer.alloc(0);
  private format: 'zip' | 'custom' | 'unknown' | null = null;
  private entry: { name: string; remaining: number; crc: number; expectedCrc: number; keep: Buffer[] | null } | null =
    null;
  private finished = false;
  private broken = false;
  private custom: Buffer[] = [];
  private sql: string | null = null;
  private readonly hash = createHash('sha256');
  bytes = 0;

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.broken || this.finished) return;
    if (this.format === 'custom') {
      this.custom.push(chunk);
      return;
    }
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (this.format === null) {
      if (this.buffer.length < 5) return;
      this.format =
        this.buffer.readUInt32LE(0) === LOCAL_HEADER
          ? 'zip'
          : this.buffer.subarray(0, 5).toString('latin1') === 'PGDMP'
            ? 'custom'
            : 'unknown';
      if (this.format === 'custom') {
        this.custom.push(this.buffer);
        this.buffer = Buffer.alloc(0);
        return;
      }
      if (this.format === 'unknown') return void (this.broken = true);
    }
    this.readZip();
  }

  private readZip(): void {
    for (;;) {
      if (this.entry) {
        const take = Math.min(this.entry.remaining, this.buffer.length);
        const data = this.buffer.subarray(0, take);
        this.entry.crc = crc32(data, this.entry.crc);
        this.entry.keep?.push(Buffer.from(data));
        this.entry.remaining -= take;
        this.buffer = this.buffer.subarray(take);
        if (this.entry.remaining > 0) return;
        if (this.entry.crc !== this.entry.expectedCrc) return void (this.broken = true);
        if (this.entry.keep) this.sql = Buffer.concat(this.entry.keep).toString('utf8');
        this.entry = null;
        continue;
      }
      if (this.buffer.length < 4) return;
      const signature = this.buffer.readUInt32LE(0);
      if (signature === CENTRAL_HEADER || signature === END_OF_CENTRAL) return void (this.finished = true);
      if (signature !== LOCAL_HEADER) return void (this.broken = true);
      if (this.buffer.length < 30) return;
      const nameLength = this.buffer.readUInt16LE(26);
      const extraLength = this.buffer.readUInt16LE(28);
      if (this.buffer.length < 30 + nameLength + extraLength) return;
      // Compressed entries and sizes deferred to a data descriptor are beyond this reader.
      if (this.buffer.readUInt16LE(8) !== 0 || this.buffer.readUInt16LE(6) & 0x0008) return void (this.broken = true);
      const name = this.buffer.subarray(30, 30 + nameLength).toString('utf8');
      this.entry = {
        name,
        remaining: this.buffer.readUInt32LE(22),
        crc: 0,
        expectedCrc: this.buffer.readUInt32LE(14),
        keep: name === 'dump.sql' ? [] : null,
      };
      this.buffer = this.buffer.subarray(30 + nameLength + extraLength);
    }
  }

  /** The tables of the dump, or Odoo's refusal; with the bytes and sha256 received. */
  end(): { state: unknown; bytes: number; sha256: string } {
    const sha256 = this.hash.digest('hex');
    const text =
      this.format === 'custom'
        ? Buffer.concat(this.custom).toString('utf8')
        : this.finished && !this.broken
          ? this.sql
          : null;
    const line = text
      ?.split('\n')
      .find((candidate) => candidate.startsWith(STATE_PREFIX) || candidate.startsWith(`PGDMP${STATE_PREFIX}`));
    if (!line) throw new Error(NOT_A_DUMP);
    try {
      return {
        state: JSON.parse(line.slice(line.indexOf(STATE_PREFIX) + STATE_PREFIX.length)),
        bytes: this.bytes,
        sha256,
      };
    } catch {
      throw new Error(NOT_A_DUMP);
    }
  }
}

/** The entries of a small zip read whole (addon uploads): name → content; null when it is not a zip the reader follows. */
export function zipEntries(zip: Buffer): Map<string, Buffer> | null {
  const entries = new Map<string, Buffer>();
  let offset = 0;
  while (offset + 4 <= zip.length && zip.readUInt32LE(offset) === LOCAL_HEADER) {
    if (zip.readUInt16LE(offset + 8) !== 0 || zip.readUInt16LE(offset + 6) & 0x0008) return null;
    const size = zip.readUInt32LE(offset + 22);
    const nameLength = zip.readUInt16LE(offset + 26);
    const start = offset + 30 + nameLength + zip.readUInt16LE(offset + 28);
    const data = zip.subarray(start, start + size);
    if (crc32(data) !== zip.readUInt32LE(offset + 14)) return null;
    entries.set(zip.subarray(offset + 30, offset + 30 + nameLength).toString('utf8'), data);
    offset = start + size;
  }
  return entries.size > 0 ? entries : null;
}
