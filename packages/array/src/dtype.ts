// The dtypes of @tiny-llm/array: their sizes, native codes and promotion rules.
import { DtypeCode } from "./backend/codes";

/** An element type. float16 and bfloat16 are stored as 16 bits and computed in float32. */
export type Dtype = "float32" | "float16" | "bfloat16" | "int32" | "uint32" | "uint8" | "bool";

export const float32: Dtype = "float32";
export const float16: Dtype = "float16";
export const bfloat16: Dtype = "bfloat16";
export const int32: Dtype = "int32";
export const uint32: Dtype = "uint32";
export const uint8: Dtype = "uint8";
/** The boolean dtype (`bool` alone is not a valid TypeScript identifier to export). */
export const bool_: Dtype = "bool";

interface DtypeInfo {
  code: DtypeCode;
  itemsize: number;
  kind: "float" | "int" | "bool";
}

const INFO: Record<Dtype, DtypeInfo> = {
  float32: { code: DtypeCode.float32, itemsize: 4, kind: "float" },
  float16: { code: DtypeCode.float16, itemsize: 2, kind: "float" },
  bfloat16: { code: DtypeCode.bfloat16, itemsize: 2, kind: "float" },
  int32: { code: DtypeCode.int32, itemsize: 4, kind: "int" },
  uint32: { code: DtypeCode.uint32, itemsize: 4, kind: "int" },
  uint8: { code: DtypeCode.uint8, itemsize: 1, kind: "int" },
  bool: { code: DtypeCode.bool, itemsize: 1, kind: "bool" },
};

export const DTYPES = Object.keys(INFO) as Dtype[];

export function isDtype(x: unknown): x is Dtype {
  return typeof x === "string" && Object.prototype.hasOwnProperty.call(INFO, x);
}

export function itemsize(dt: Dtype): number {
  return INFO[dt].itemsize;
}

export function dtypeCode(dt: Dtype): DtypeCode {
  return INFO[dt].code;
}

export function isFloat(dt: Dtype): boolean {
  return INFO[dt].kind === "float";
}

export function isInteger(dt: Dtype): boolean {
  return INFO[dt].kind === "int";
}

/** The dtype a float-valued op gives for an input dtype: floats stay, the rest become float32. */
export function floatResult(dt: Dtype): Dtype {
  return isFloat(dt) ? dt : "float32";
}

/**
 * The common dtype of two operands: equal dtypes stay; float beats int beats bool;
 * float16 with bfloat16 gives float32; mixed integers give int32 (there is no int64).
 */
export function promoteTypes(a: Dtype, b: Dtype): Dtype {
  if (a === b) return a;
  const fa = isFloat(a), fb = isFloat(b);
  if (fa && fb) return "float32";
  if (fa) return a;
  if (fb) return b;
  if (a === "bool") return b;
  if (b === "bool") return a;
  if (a === "uint8") return b;
  if (b === "uint8") return a;
  return "int32"; // int32 with uint32
}

/** The dtype of sums and products: integers stay integers (bool and uint8 widen to int32). */
export function sumResult(dt: Dtype): Dtype {
  return isFloat(dt) || dt === "int32" || dt === "uint32" ? dt : "int32";
}

/** The typed array that toTypedArray returns for a dtype (every float dtype widens to float32). */
export type TypedArray = Float32Array | Int32Array | Uint32Array | Uint8Array;

export function typedArrayDtype(data: TypedArray | Float64Array | Uint16Array | Int8Array | Int16Array): Dtype {
  if (data instanceof Float32Array || data instanceof Float64Array) return "float32";
  if (data instanceof Int32Array || data instanceof Int16Array || data instanceof Int8Array) return "int32";
  if (data instanceof Uint32Array || data instanceof Uint16Array) return "uint32";
  return "uint8";
}
