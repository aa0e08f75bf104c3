// A small GGUF v3 writer (the file format of llama.cpp): metadata, tensor infos, then
// each tensor's data streamed to disk chunk by chunk, so a 1 GB model never sits in
// memory. Tensor types F32, F16 and Q4_0; enough for `pnpm bench --part llama`.
//
// Layout (little endian; a string is u64 length + UTF-8 bytes):
//   "GGUF" u32 version=3  u64 tensor_count  u64 kv_count
//   kv_count x (string key, u32 value type, value)
//   tensor_count x (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset)
//   padding to ALIGNMENT, then the tensors' data, each starting at a multiple of ALIGNMENT
// ne[] lists the dimensions innermost first: a row-major [rows x cols] matrix is ne = [cols, rows].
import * as fs from "node:fs";

import * as mx from "@tiny-llm/array";

/** general.alignment's default; the writer does not set the key. */
const ALIGNMENT = 32;

/** ggml_type codes. */
export const GGML_TYPE = { F32: 0, F16: 1, Q4_0: 2 } as const;
export type GgmlType = keyof typeof GGML_TYPE;

/** Q4_0: blocks of 32 weights, each an f16 scale d and 16 bytes of 4-bit codes (w = (q - 8) d). */
const QK4_0 = 32;
const Q4_0_BLOCK_BYTES = 2 + QK4_0 / 2;

/** gguf_type codes of the metadata values this writer emits. */
const GGUF_VALUE = { UINT32: 4, INT32: 5, FLOAT32: 6, STRING: 8, ARRAY: 9 } as const;

export type GgufValue =
  | { u32: number }
  | { f32: number }
  | { string: string }
  | { strings: string[] }
  | { i32s: ArrayLike<number> };

/** One tensor: `shape` row-major (outermost first); `fill(out, start)` writes elements start.. of it. */
export interface GgufTensor {
  name: string;
  shape: number[];
  type: GgmlType;
  fill: (out: Float32Array, start: number) => void;
}

/** Bytes of `n` elements stored as `type` (n a multiple of 32 for Q4_0). */
function dataBytes(type: GgmlType, n: number): number {
  return type === "F32" ? 4 * n : type === "F16" ? 2 * n : (n / QK4_0) * Q4_0_BLOCK_BYTES;
}

const align = (n: number) => Math.ceil(n / ALIGNMENT) * ALIGNMENT;

/** Grows as it is written; `bytes()` gives what was written so far. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(2 * this.buf.length, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u32(v: number): void { this.reserve(4); this.buf.writeUInt32LE(v, this.len); this.len += 4; }
  i32(v: number): void { this.reserve(4); this.buf.writeInt32LE(v, this.len); this.len += 4; }
  u64(v: number): void { this.reserve(8); this.buf.writeBigUInt64LE(BigInt(v), this.len); this.len += 8; }
  f32(v: number): void { this.reserve(4); this.buf.writeFloatLE(v, this.len); this.len += 4; }
  string(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.u64(n);
    this.reserve(n);
    this.len += this.buf.write(s, this.len, "utf8");
  }
  zeros(n: number): void { this.reserve(n); this.buf.fill(0, this.len, this.len + n); this.len += n; }
  get length(): number { return this.len; }
  bytes(): Buffer { return this.buf.subarray(0, this.len); }
}

function writeValue(out: ByteSink, v: GgufValue): void {
  if ("u32" in v) { out.u32(GGUF_VALUE.UINT32); out.u32(v.u32); }
  else if ("f32" in v) { out.u32(GGUF_VALUE.FLOAT32); out.f32(v.f32); }
  else if ("string" in v) { out.u32(GGUF_VALUE.STRING); out.string(v.string); }
  else if ("strings" in v) {
    out.u32(GGUF_VALUE.ARRAY); out.u32(GGUF_VALUE.STRING); out.u64(v.strings.length);
    for (const s of v.strings) out.string(s);
  } else {
    out.u32(GGUF_VALUE.ARRAY); out.u32(GGUF_VALUE.INT32); out.u64(v.i32s.length);
    for (let i = 0; i < v.i32s.length; i++) out.i32(v.i32s[i]);
  }
}

/**
 * IEEE half-precision bits of float32 values, rounded to nearest even (ggml's
 * GGML_FP32_TO_FP16): @tiny-llm/array's float16 conversion, on a view of `x`.
 */
export function f16Bits(x: Float32Array): Uint16Array {
  const h = mx.fromBuffer(x.buffer as ArrayBuffer, "float32", [x.length], x.byteOffset).astype("float16");
  const bytes = h.hostBytes();
  return new Uint16Array(bytes.buffer, bytes.byteOffset, h.size);
}

/**
 * ggml's quantize_row_q4_0_ref: per block of 32, d = (the value of largest magnitude) / -8,
 * code = min(15, trunc(x / d + 8.5)); byte j holds code j (low nibble) and code j + 16 (high).
 * `x.length` a multiple of 32; writes x.length / 32 blocks of 18 bytes into `out`.
 */
export function quantizeQ4_0(x: Float32Array, out: Uint8Array): void {
  const half = QK4_0 / 2;
  const d = new Float32Array(x.length / QK4_0); // every block's scale, in float32 as ggml computes with it
  for (let b = 0, base = 0; base < x.length; b++, base += QK4_0) {
    let amax = 0, max = 0;
    for (let j = 0; j < QK4_0; j++) {
      const v = x[base + j];
      if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
    }
    d[b] = max / -8;
  }
  const dBits = f16Bits(d); // stored in half precision
  for (let b = 0, base = 0, o = 0; base < x.length; b++, base += QK4_0, o += Q4_0_BLOCK_BYTES) {
    const id = d[b] ? Math.fround(1 / d[b]) : 0;
    out[o] = dBits[b] & 0xff;
    out[o + 1] = dBits[b] >>> 8;
    for (let j = 0; j < half; j++) {
      const lo = Math.min(15, Math.trunc(Math.fround(Math.fround(x[base + j] * id) + 8.5)));
      const hi = Math.min(15, Math.trunc(Math.fround(Math.fround(x[base + half + j] * id) + 8.5)));
      out[o + 2 + j] = lo | (hi << 4);
    }
  }
}

/** Encodes `x` (a whole number of rows) as `type`. */
function encode(type: GgmlType, x: Float32Array): Uint8Array {
  if (type === "F32") return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (type === "F16") {
    const h = f16Bits(x); // little endian, like every host ggml runs on
    return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
  }
  const out = new Uint8Array(dataBytes(type, x.length));
  quantizeQ4_0(x, out);
  return out;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

/** About this many elements are generated and encoded at a time (whole rows). */
const CHUNK_ELEMENTS = 1 << 21;

/** Writes a GGUF v3 file: `metadata` in order, then `tensors`, data streamed chunk by chunk. */
export function writeGguf(file: string, metadata: Record<string, GgufValue>, tensors: GgufTensor[]): void {
  const header = new ByteSink();
  header.u32(0x46554747); // "GGUF"
  header.u32(3);
  header.u64(tensors.length);
  header.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    header.string(key);
    writeValue(header, value);
  }
  let offset = 0;
  for (const t of tensors) {
    const rowLen = t.shape[t.shape.length - 1];
    if (t.type === "Q4_0" && rowLen % QK4_0) throw new Error(`writeGguf: ${t.name} has rows of ${rowLen}, not a multiple of ${QK4_0} (Q4_0)`);
    header.string(t.name);
    header.u32(t.shape.length);
    for (const n of [...t.shape].reverse()) header.u64(n);
    header.u32(GGML_TYPE[t.type]);
    header.u64(offset);
    offset = align(offset + dataBytes(t.type, t.shape.reduce((a, b) => a * b, 1)));
  }
  header.zeros(align(header.length) - header.length);

  const fd = fs.openSync(file, "w");
  try {
    writeAll(fd, header.bytes());
    for (const t of tensors) {
      const rowLen = t.shape[t.shape.length - 1];
      const total = t.shape.reduce((a, b) => a * b, 1);
      const step = Math.max(1, Math.floor(CHUNK_ELEMENTS / rowLen)) * rowLen;
      let written = 0;
      for (let start = 0; start < total; start += step) {
        const x = new Float32Array(Math.min(step, total - start));
        t.fill(x, start);
        const bytes = encode(t.type, x);
        writeAll(fd, bytes);
        written += bytes.length;
      }
      writeAll(fd, Buffer.alloc(align(written) - written));
    }
  } finally {
    fs.closeSync(fd);
  }
}
