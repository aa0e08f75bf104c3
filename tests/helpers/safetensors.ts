// A small safetensors reader for the test fixtures (tests/golden/**.safetensors).
//
// Format: 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}},
// then the raw little-endian tensor bytes (offsets count from the end of the header).
// Float16 / bfloat16 data is decoded here to Float32Array (exactly: every float16 and
// bfloat16 value is a float32 value), so that a fixture's expected values never go
// through the library under test.
import * as fs from "fs";
import * as mx from "@tiny-llm/array";

export type StDtype = "F32" | "F16" | "BF16" | "I32" | "U32" | "U8" | "BOOL";

/** A tensor as stored in the file, decoded: float dtypes as Float32Array. */
export interface RawTensor {
  name: string;
  dtype: mx.Dtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint32Array | Uint8Array;
}

const DTYPES: Record<StDtype, mx.Dtype> = {
  F32: "float32", F16: "float16", BF16: "bfloat16", I32: "int32", U32: "uint32", U8: "uint8", BOOL: "bool",
};
const ITEMSIZE: Record<StDtype, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, U32: 4, U8: 1, BOOL: 1 };

/** float16 bits -> float32 value (exact). */
export function f16BitsToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** bfloat16 bits -> float32 value (exact: the high half of a float32). */
export function bf16BitsToF32(b: number): number {
  const u = new Uint32Array([b << 16]);
  return new Float32Array(u.buffer)[0];
}

function decode(dtype: StDtype, bytes: Buffer, n: number): RawTensor["data"] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "F32": { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = dv.getFloat32(4 * i, true); return a; }
    case "F16": { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = f16BitsToF32(dv.getUint16(2 * i, true)); return a; }
    case "BF16": { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = bf16BitsToF32(dv.getUint16(2 * i, true)); return a; }
    case "I32": { const a = new Int32Array(n); for (let i = 0; i < n; i++) a[i] = dv.getInt32(4 * i, true); return a; }
    case "U32": { const a = new Uint32Array(n); for (let i = 0; i < n; i++) a[i] = dv.getUint32(4 * i, true); return a; }
    case "U8": case "BOOL": return Uint8Array.from(bytes.subarray(0, n));
  }
}

export interface Safetensors {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

/** Reads a whole .safetensors file (fixtures are small). */
export function readSafetensors(file: string): Safetensors {
  const buf = fs.readFileSync(file);
  if (buf.length < 8) throw new Error(`${file}: not a safetensors file (too short)`);
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) throw new Error(`${file}: header length ${n} past end of file`);
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8")) as Record<string, unknown>;
  const base = 8 + n;
  const tensors = new Map<string, RawTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === "__metadata__") { metadata = v as Record<string, string>; continue; }
    const info = v as { dtype: StDtype; shape: number[]; data_offsets: [number, number] };
    if (!(info.dtype in DTYPES)) throw new Error(`${file}: tensor ${name} has unsupported dtype ${info.dtype}`);
    const count = info.shape.reduce((p, s) => p * s, 1);
    const [b, e] = info.data_offsets;
    if (e - b !== count * ITEMSIZE[info.dtype]) {
      throw new Error(`${file}: tensor ${name} has ${e - b} bytes for shape [${info.shape}] ${info.dtype}`);
    }
    tensors.set(name, {
      name, dtype: DTYPES[info.dtype], shape: info.shape, data: decode(info.dtype, buf.subarray(base + b, base + e), count),
    });
  }
  return { tensors, metadata };
}

/** An mx array holding a raw tensor's values in its dtype, on `device` (the default device when omitted). */
export function toMx(t: RawTensor, device?: mx.Device): mx.array {
  return mx.fromTypedArray(t.data, t.shape, t.dtype, device);
}
