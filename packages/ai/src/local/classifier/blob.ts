// A compact, versioned binary container for models: gzip( magic "FDAI" | u32 format version | u32 header
// length | JSON header | 4-byte-aligned typed-array sections ). The header lists each section's name,
// type, offset and length, so a reader can check everything before trusting it.
import { gunzipSync, gzipSync } from 'node:zlib';

export type SectionArray = Float32Array | Int8Array | Int16Array | Uint8Array | Int32Array;
const TYPES = { f32: Float32Array, i8: Int8Array, i16: Int16Array, u8: Uint8Array, i32: Int32Array } as const;
type TypeName = keyof typeof TYPES;
interface SectionInfo {
  name: string;
  type: TypeName;
  offset: number;
  length: number;
}
const MAGIC = 0x49414446; // "FDAI" little-endian

function typeName(a: SectionArray): TypeName {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Int8Array) return 'i8';
  if (a instanceof Int16Array) return 'i16';
  if (a instanceof Int32Array) return 'i32';
  return 'u8';
}

export function encodeBlob(version: number, header: Record<string, unknown>, sections: Record<string, SectionArray>): Uint8Array {
  const infos: SectionInfo[] = [];
  let offset = 0;
  for (const [name, arr] of Object.entries(sections)) {
    infos.push({ name, type: typeName(arr), offset, length: arr.length });
    offset += Math.ceil(arr.byteLength / 4) * 4;
  }
  const json = new TextEncoder().encode(JSON.stringify({ ...header, sections: infos }));
  const headLen = 12 + Math.ceil(json.length / 4) * 4;
  const buf = new Uint8Array(headLen + offset);
  const view = new DataView(buf.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, version, true);
  view.setUint32(8, json.length, true);
  buf.set(json, 12);
  for (const info of infos) {
    const arr = sections[info.name] as SectionArray;
    buf.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), headLen + info.offset);
  }
  return gzipSync(buf, { level: 6 });
}

export function decodeBlob(blob: Uint8Array, expectedVersion: number): { header: Record<string, unknown>; sections: Record<string, SectionArray> } {
  let buf: Uint8Array;
  try {
    buf = new Uint8Array(gunzipSync(blob));
  } catch {
    throw new Error('not a Flowdesk model blob (not gzip data)');
  }
  if (buf.length < 12) throw new Error('not a Flowdesk model blob (too short)');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('not a Flowdesk model blob (bad magic)');
  const version = view.getUint32(4, true);
  if (version !== expectedVersion) throw new Error(`model format version ${version} is not supported (expected ${expectedVersion}); retrain the model`);
  const jsonLen = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(buf.subarray(12, 12 + jsonLen))) as Record<string, unknown> & { sections: SectionInfo[] };
  const headLen = 12 + Math.ceil(jsonLen / 4) * 4;
  const sections: Record<string, SectionArray> = {};
  for (const info of header.sections) {
    const Ctor = TYPES[info.type];
    if (!Ctor) throw new Error(`model blob has an unknown section type ${String(info.type)}`);
    const start = headLen + info.offset;
    const bytes = info.length * Ctor.BYTES_PER_ELEMENT;
    if (start + bytes > buf.length) throw new Error(`model blob is truncated (section ${info.name})`);
    sections[info.name] = new Ctor(buf.slice(start, start + bytes).buffer);
  }
  return { header, sections };
}

/** Per-row symmetric int8 quantisation of a feature-major matrix (rows of `width` values). */
export function quantizeRows(values: Float32Array, width: number): { q: Int8Array; scale: Float32Array } {
  const rows = values.length / width;
  const q = new Int8Array(values.length);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < width; c++) max = Math.max(max, Math.abs(values[r * width + c] as number));
    const s = max / 127 || 1;
    scale[r] = s;
    for (let c = 0; c < width; c++) q[r * width + c] = Math.round((values[r * width + c] as number) / s);
  }
  return { q, scale };
}

export function dequantizeRows(q: Int8Array, scale: Float32Array, width: number): Float32Array {
  const out = new Float32Array(q.length);
  for (let r = 0; r < scale.length; r++) {
    const s = scale[r] as number;
    for (let c = 0; c < width; c++) out[r * width + c] = (q[r * width + c] as number) * s;
  }
  return out;
}
