// The safetensors format (https://huggingface.co/docs/safetensors), in full:
//
//   8 bytes    N, the header length: unsigned 64-bit little-endian
//   N bytes    the header: UTF-8 JSON, maybe padded with trailing spaces
//                { "<tensor>": { "dtype": "BF16", "shape": [896, 4864],
//                                "data_offsets": [begin, end] }, ...,
//                  "__metadata__": { "<key>": "<string>", ... } }       (optional)
//   the rest   the data: each tensor's elements row-major, little-endian, at
//              [begin, end) counted from the end of the header. The tensors cover
//              the data exactly: no overlaps, no holes, nothing after the last.
//
// This file parses and checks a header; safetensors.ts reads tensors, and
// safetensors-write.ts writes files.
import type { Dtype } from "@tiny-llm/array";
import { LoaderError } from "./errors";
import { describeJson, isJsonObject } from "./json-file";

/** The format's cap on the header, against files that would make us allocate absurdly. */
export const MAX_HEADER_BYTES = 100_000_000;

interface StDtype {
  /** Bits per element (sub-byte float types exist). */
  bits: number;
  /** Our dtype, or null when @tiny-llm/array has none (readable header, unreadable tensor). */
  dtype: Dtype | null;
}

/** Every dtype the format defines, and which of them we can read. */
export const SAFETENSORS_DTYPES: Record<string, StDtype> = {
  BOOL: { bits: 8, dtype: "bool" },
  U8: { bits: 8, dtype: "uint8" },
  I8: { bits: 8, dtype: null },
  F8_E5M2: { bits: 8, dtype: null },
  F8_E4M3: { bits: 8, dtype: null },
  F8_E8M0: { bits: 8, dtype: null },
  F4: { bits: 4, dtype: null },
  F6_E2M3: { bits: 6, dtype: null },
  F6_E3M2: { bits: 6, dtype: null },
  I16: { bits: 16, dtype: null },
  U16: { bits: 16, dtype: null },
  F16: { bits: 16, dtype: "float16" },
  BF16: { bits: 16, dtype: "bfloat16" },
  I32: { bits: 32, dtype: "int32" },
  U32: { bits: 32, dtype: "uint32" },
  F32: { bits: 32, dtype: "float32" },
  I64: { bits: 64, dtype: null },
  U64: { bits: 64, dtype: null },
  F64: { bits: 64, dtype: null },
  C64: { bits: 64, dtype: null },
};

/** The safetensors names of the dtypes we read, for messages. */
export const READABLE_DTYPES = Object.keys(SAFETENSORS_DTYPES).filter((k) => SAFETENSORS_DTYPES[k].dtype !== null);

/** The safetensors name of one of our dtypes. */
export function safetensorsDtype(dtype: Dtype): string {
  const name = READABLE_DTYPES.find((k) => SAFETENSORS_DTYPES[k].dtype === dtype);
  if (name === undefined) throw new LoaderError(`dtype ${dtype} has no safetensors name`);
  return name;
}

/** One tensor of a safetensors file, as its header describes it. */
export interface TensorInfo {
  name: string;
  /** The safetensors dtype name, e.g. "BF16". */
  dtype: string;
  shape: number[];
  /** Byte range [begin, end) of the data, counted from the end of the header. */
  begin: number;
  end: number;
}

/** A parsed, checked header. */
export interface SafetensorsHeader {
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  /** Bytes the data section must have: the end of the last tensor. */
  dataBytes: number;
}

const isSize = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function parseEntry(file: string, name: string, v: unknown): TensorInfo {
  const bad = (what: string) => new LoaderError(`${file}: tensor "${name}" ${what}; the file is damaged: download it again`);
  if (!isJsonObject(v)) throw bad(`is described by ${describeJson(v)}, expected {"dtype", "shape", "data_offsets"}`);
  const { dtype, shape, data_offsets: offsets } = v;
  if (typeof dtype !== "string") throw bad(`has dtype ${describeJson(dtype)}, expected a string like "BF16"`);
  const st = SAFETENSORS_DTYPES[dtype];
  if (st === undefined) throw bad(`has unknown dtype "${dtype}", expected one of ${Object.keys(SAFETENSORS_DTYPES).join(", ")}`);
  if (!Array.isArray(shape) || !shape.every(isSize)) throw bad(`has shape ${JSON.stringify(shape)}, expected a list of sizes`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize) || offsets[0] > offsets[1]) {
    throw bad(`has data_offsets ${JSON.stringify(offsets)}, expected [begin, end] with 0 <= begin <= end`);
  }
  const bits = shape.reduce((a: number, b: number) => a * b, 1) * st.bits;
  const [begin, end] = offsets as number[];
  if (bits % 8 !== 0 || end - begin !== bits / 8) {
    throw bad(`has data_offsets [${begin}, ${end}] (${end - begin} bytes), but shape [${shape.join(",")}] of ${dtype} needs ${bits / 8} bytes`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/**
 * Parses the header bytes of `file` (named in errors) and checks every entry and the
 * layout of the data: ranges that match shape x dtype, no overlaps, no holes. Whether
 * the file is long enough is the caller's check (dataBytes).
 */
export function parseHeader(file: string, bytes: Uint8Array): SafetensorsHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new LoaderError(`${file}: the safetensors header is not valid UTF-8 JSON (${(e as Error).message}); the file is damaged or not a safetensors file: download it again`);
  }
  if (!isJsonObject(json)) throw new LoaderError(`${file}: the safetensors header is ${describeJson(json)}, expected a JSON object; the file is damaged: download it again`);
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  for (const [name, v] of Object.entries(json)) {
    if (name === "__metadata__") {
      if (!isJsonObject(v) || !Object.values(v).every((s) => typeof s === "string")) {
        throw new LoaderError(`${file}: __metadata__ is ${JSON.stringify(v)}, expected an object of strings; the file is damaged: download it again`);
      }
      Object.assign(metadata, v);
    } else {
      tensors.set(name, parseEntry(file, name, v));
    }
  }
  // The tensors in data order must tile [0, dataBytes) exactly.
  const byOffset = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: TensorInfo | null = null;
  for (const t of byOffset) {
    if (t.begin < pos) {
      throw new LoaderError(`${file}: tensors "${prev!.name}" [${prev!.begin}, ${prev!.end}) and "${t.name}" [${t.begin}, ${t.end}) overlap; the file is damaged: download it again`);
    }
    if (t.begin > pos) {
      throw new LoaderError(`${file}: bytes [${pos}, ${t.begin}) of the data belong to no tensor (before "${t.name}"), which the format forbids; the file is damaged: download it again`);
    }
    pos = t.end;
    prev = t;
  }
  return { tensors, metadata, dataBytes: pos };
}
