// The weights of a fitted TabularSynthesizer in the safetensors layout, which PyTorch, JAX,
// candle and the Hugging Face tools read:
//   8 bytes      N, the header length (unsigned 64-bit little-endian)
//   N bytes      UTF-8 JSON: { "<tensor>": { "dtype": "F32", "shape": [r, c], "data_offsets": [a, b] },
//                ..., "__metadata__": { string: string } }, padded with spaces to 8-byte alignment
//   the rest     the tensors' bytes, little-endian float32, at [a, b) from the end of the header
// Tensors: `params.<layer>` and (with an EMA) `ema.<layer>`, one per entry of the network's layout.
// `__metadata__` holds, as JSON strings, what a reader needs to use them: the transformer state
// (columns, scalings, categories), the diffusion header (options, dimensions, noise schedule,
// layout) and the chosen settings; safetensors allows only strings there.
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';

import type { DiffusionHeader } from './diffusion-state.js';

export const SAFETENSORS_FORMAT = 'tabular-diffusion';

export interface SafetensorsTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Encodes F32 tensors and string metadata as a safetensors file. */
export function encodeSafetensors(tensors: readonly SafetensorsTensor[], metadata: Record<string, string>): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name) || t.name === '__metadata__') throw new Error(`safetensors: tensor name "${t.name}" used twice or reserved`);
    seen.add(t.name);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`safetensors: tensor "${t.name}" has ${t.data.length} values but shape [${t.shape.join(', ')}]`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let pos = 8 + json.length;
  const littleEndian = endianness() === 'LE';
  for (const t of tensors) {
    if (littleEndian) {
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos);
      pos += t.data.byteLength;
    } else {
      for (let i = 0; i < t.data.length; i++, pos += 4) out.writeFloatLE(t.data[i]!, pos);
    }
  }
  return out;
}

/** The tensors of a flat weight vector, one per layout entry; the layout must cover it exactly. */
export function tensorsFromLayout(
  prefix: string, weights: Float32Array, layout: readonly { name: string; rows: number; cols: number; offset: number }[],
): SafetensorsTensor[] {
  const sorted = [...layout].sort((a, b) => a.offset - b.offset);
  let end = 0;
  const out: SafetensorsTensor[] = [];
  for (const e of sorted) {
    if (e.offset !== end) throw new Error(`safetensors: the layout leaves a gap or overlap before "${e.name}" (offset ${e.offset}, expected ${end})`);
    end = e.offset + e.rows * e.cols;
    out.push({ name: `${prefix}.${e.name}`, shape: [e.rows, e.cols], data: weights.subarray(e.offset, end) });
  }
  if (end !== weights.length) throw new Error(`safetensors: the layout covers ${end} of ${weights.length} ${prefix} values`);
  return out;
}

/** Writes `bytes` to `path` through a temporary file in the same folder (renamed on success). */
export function writeFileAtomically(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  let created = false;
  try {
    writeFileSync(tmp, '', { flag: 'wx' });
    created = true;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    // Only the temporary file this call created is removed, never `path`.
    if (created) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
    throw err;
  }
}

/** A fitted synthesizer's safetensors bytes: its weights and, as metadata, everything else. */
export function synthesizerSafetensors(
  transformer: unknown, state: { header: DiffusionHeader; sections: [string, Float32Array][] }, settings: unknown, version: string,
): Buffer {
  const tensors = state.sections.flatMap(([name, weights]) => tensorsFromLayout(name, weights, state.header.layout));
  const metadata: Record<string, string> = {
    format: SAFETENSORS_FORMAT,
    writer: `tabular-diffusion ${version}`,
    transformer: JSON.stringify(transformer),
    diffusion: JSON.stringify(state.header),
  };
  if (settings !== null && settings !== undefined) metadata.settings = JSON.stringify(settings);
  return encodeSafetensors(tensors, metadata);
}
