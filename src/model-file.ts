// The .tdm model file: one file holding a JSON header and float32 weight sections.
//
//   bytes 0..3    magic "TDM\0"
//   bytes 4..7    format version (uint32 LE)
//   bytes 8..11   header length H in bytes (uint32 LE)
//   bytes 12..    header: UTF-8 JSON, padded with spaces to a multiple of 4 bytes
//   then          weight sections (float32 LE), in the order and lengths the header lists
//   last 4 bytes  CRC-32 of everything before it
//
// Reading checks every one of these, so a truncated, corrupted or foreign file is an Error
// that says what is wrong, never a crash or a silently different model.
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';

/** 2: transformer state 2 (gaps, point masses, dates, private quantile map) and the writer's version. */
export const MODEL_FILE_VERSION = 2;
const MAGIC = Buffer.from([0x54, 0x44, 0x4d, 0x00]);
const PREFIX_BYTES = 12;
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

export interface ModelFileContents {
  header: Record<string, unknown> & { sections: { name: string; length: number }[] };
  sections: Map<string, Float32Array>;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function encodeModelFile(header: Record<string, unknown>, sections: [string, Float32Array][]): Buffer {
  const fullHeader = { writer: { name: 'tabular-diffusion', version: packageVersion() }, ...header, sections: sections.map(([name, data]) => ({ name, length: data.length })) };
  let json = Buffer.from(JSON.stringify(fullHeader), 'utf8');
  const padded = Math.ceil(json.length / 4) * 4;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const weightBytes = sections.reduce((sum, [, d]) => sum + d.length * 4, 0);
  const out = Buffer.alloc(PREFIX_BYTES + json.length + weightBytes + 4);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(MODEL_FILE_VERSION, 4);
  out.writeUInt32LE(json.length, 8);
  json.copy(out, PREFIX_BYTES);
  let pos = PREFIX_BYTES + json.length;
  for (const [, data] of sections) {
    for (let i = 0; i < data.length; i++, pos += 4) out.writeFloatLE(data[i]!, pos);
  }
  out.writeUInt32LE(crc32(out.subarray(0, pos)), pos);
  return out;
}

export function decodeModelFile(bytes: Uint8Array, source = 'model file'): ModelFileContents {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (buf.length < PREFIX_BYTES + 4) fail(`too short (${buf.length} bytes) to be a tabular-diffusion model`);
  if (!buf.subarray(0, 4).equals(MAGIC)) fail('not a tabular-diffusion model file (bad magic bytes)');
  const version = buf.readUInt32LE(4);
  if (version > MODEL_FILE_VERSION) {
    fail(`format version ${version} was written by a newer tabular-diffusion (${writerOf(buf)}); this one (${packageVersion()}) reads version ${MODEL_FILE_VERSION}: upgrade tabular-diffusion`);
  }
  if (version !== MODEL_FILE_VERSION) fail(`format version ${version} was written by an older tabular-diffusion and is not read by this one (${packageVersion()}, format ${MODEL_FILE_VERSION}): fit the model again`);
  const headerBytes = buf.readUInt32LE(8);
  if (headerBytes % 4 !== 0 || headerBytes > MAX_HEADER_BYTES || PREFIX_BYTES + headerBytes + 4 > buf.length) {
    fail(`header length ${headerBytes} does not fit the file (${buf.length} bytes): truncated or corrupted`);
  }
  const stored = buf.readUInt32LE(buf.length - 4);
  if (crc32(buf.subarray(0, buf.length - 4)) !== stored) fail('checksum mismatch: the file is truncated or corrupted');
  let header: ModelFileContents['header'];
  try {
    header = JSON.parse(buf.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes).toString('utf8'));
  } catch {
    return fail('header is not valid JSON');
  }
  if (header === null || typeof header !== 'object' || !Array.isArray(header.sections)) fail('header lists no weight sections');
  const sections = new Map<string, Float32Array>();
  let pos = PREFIX_BYTES + headerBytes;
  for (const s of header.sections) {
    if (!s || typeof s.name !== 'string' || !Number.isInteger(s.length) || s.length < 0) fail('a weight section entry is malformed');
    if (pos + s.length * 4 > buf.length - 4) fail(`weight section '${s.name}' runs past the end of the file`);
    const data = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++, pos += 4) data[i] = buf.readFloatLE(pos);
    sections.set(s.name, data);
  }
  if (pos !== buf.length - 4) fail(`${buf.length - 4 - pos} bytes after the last weight section: corrupted`);
  return { header, sections };
}

/** Writes atomically (temporary file, then rename) so a crash never leaves half a model. */
export function writeModelFile(path: string, header: Record<string, unknown>, sections: [string, Float32Array][]): void {
  if (typeof path !== 'string' || path === '') throw new TypeError('path: expected a non-empty string');
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${path}: is a directory; save needs a file path`);
  const bytes = encodeModelFile(header, sections);
  const tmp = `${path}.tmp-${process.pid}`;
  // 'wx': the temporary file is ours (never an existing file), so on failure it is ours to remove.
  const fd = openSync(tmp, 'wx');
  try {
    try {
      writeFileSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // the first error is the one to report
    }
    throw err;
  }
}

export function readModelFile(path: string): ModelFileContents {
  if (typeof path !== 'string' || path === '') throw new TypeError('path: expected a non-empty string');
  return decodeModelFile(readFileSync(path), path);
}

/** This package's version (from its package.json, two levels above dist/cjs/). */
export function packageVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return String((require('../../package.json') as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/** "version x.y.z" of the writer recorded in a (possibly newer) file's header, when readable. */
function writerOf(buf: Buffer): string {
  try {
    const h = JSON.parse(buf.subarray(PREFIX_BYTES, PREFIX_BYTES + buf.readUInt32LE(8)).toString('utf8')) as { writer?: { version?: unknown } };
    return h.writer?.version !== undefined ? `version ${String(h.writer.version)}` : 'version unknown';
  } catch {
    return 'version unknown';
  }
}
