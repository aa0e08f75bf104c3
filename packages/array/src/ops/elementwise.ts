// Elementwise ops with numpy broadcasting; JS numbers are "weak" scalars that take
// the other operand's dtype (a non-integer with an integer array gives float32).
import type { ArrayOrScalar } from "../array";
import { NDArray } from "../array";
import { backendFor } from "../backend";
import { BinaryOp, UnaryOp } from "../backend/codes";
import { Dtype, floatResult, isFloat, promoteTypes } from "../dtype";
import { ArrayError } from "../errors";
import { broadcastShapes, broadcastStrides } from "../layout";
import { checkArray } from "./check";
import { full } from "./creation";

/** The dtype a JS scalar takes next to `other`. */
function scalarDtype(x: number | boolean, other: ArrayOrScalar): Dtype {
  if (typeof x === "boolean") return "bool";
  const otherDt: Dtype | undefined = other instanceof NDArray ? other.dtype : undefined;
  if (otherDt !== undefined && isFloat(otherDt)) return otherDt;
  if (!Number.isInteger(x)) return "float32";
  return otherDt === undefined || otherDt === "bool" ? "int32" : otherDt;
}

/**
 * An operand as an array: arrays stay, scalars become 0-d arrays of a fitting dtype
 * on `device` (by default the other operand's, else the default device).
 */
export function asArray(op: string, x: ArrayOrScalar, other: ArrayOrScalar, device = other instanceof NDArray ? other.device : undefined): NDArray {
  if (x instanceof NDArray) {
    checkArray(op, x);
    return x;
  }
  if (typeof x !== "number" && typeof x !== "boolean") {
    throw new ArrayError(op, `operands must be arrays, numbers or booleans, got ${x === null ? "null" : typeof x}`);
  }
  return full([], x, scalarDtype(x, other), device);
}

/** `a` viewed with the broadcast `shape` (0 strides where it repeats). */
export function broadcastView(a: NDArray, shape: readonly number[]): NDArray {
  return new NDArray(a.storage, [...shape], broadcastStrides(a.shape, a.strides, shape), a.offset, a.dtype, a.device);
}

/** Checks that all operands live on one device and returns it. */
export function sameDevice(op: string, ...arrays: NDArray[]) {
  const device = arrays[0].device;
  for (const a of arrays) {
    if (a.device !== device) throw new ArrayError(op, `operands are on different devices (${arrays.map((x) => x.device).join(", ")})`);
  }
  return device;
}

type BinaryKind = "arith" | "extremum" | "divide" | "compare" | "logical";

function binary(name: string, op: BinaryOp, kind: BinaryKind, x: ArrayOrScalar, y: ArrayOrScalar): NDArray {
  const a = asArray(name, x, y), b = asArray(name, y, x);
  const device = sameDevice(name, a, b);
  const shape = broadcastShapes(name, a.shape, b.shape);
  const common = promoteTypes(a.dtype, b.dtype);
  let outDt: Dtype;
  switch (kind) {
    case "arith": outDt = common === "bool" ? "int32" : common; break;
    case "extremum": outDt = common; break;
    case "divide": outDt = floatResult(common); break;
    default: outDt = "bool";
  }
  const computeFloat = isFloat(kind === "divide" ? outDt : common);
  const out = NDArray.empty(shape, outDt, device);
  if (out.size > 0) backendFor(device).binary(op, computeFloat, broadcastView(a, shape), broadcastView(b, shape), out);
  return out;
}

/** a + b */
export const add = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("add", BinaryOp.add, "arith", a, b);
/** a - b */
export const subtract = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("subtract", BinaryOp.subtract, "arith", a, b);
/** a * b */
export const multiply = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("multiply", BinaryOp.multiply, "arith", a, b);
/** a / b, always in a float dtype (integers give float32). */
export const divide = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("divide", BinaryOp.divide, "divide", a, b);
/** a ** b */
export const power = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("power", BinaryOp.power, "arith", a, b);
/** floor(a / b), Python's rounding toward -inf. */
export const floorDivide = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("floorDivide", BinaryOp.floorDivide, "arith", a, b);
/** a mod b with the sign of b (Python's %). */
export const remainder = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("remainder", BinaryOp.remainder, "arith", a, b);
/** Elementwise larger of a and b (NaN wins). */
export const maximum = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("maximum", BinaryOp.maximum, "extremum", a, b);
/** Elementwise smaller of a and b (NaN wins). */
export const minimum = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("minimum", BinaryOp.minimum, "extremum", a, b);
export const equal = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("equal", BinaryOp.equal, "compare", a, b);
export const notEqual = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("notEqual", BinaryOp.notEqual, "compare", a, b);
export const less = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("less", BinaryOp.less, "compare", a, b);
export const lessEqual = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("lessEqual", BinaryOp.lessEqual, "compare", a, b);
export const greater = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("greater", BinaryOp.greater, "compare", a, b);
export const greaterEqual = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("greaterEqual", BinaryOp.greaterEqual, "compare", a, b);
export const logicalAnd = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("logicalAnd", BinaryOp.logicalAnd, "logical", a, b);
export const logicalOr = (a: ArrayOrScalar, b: ArrayOrScalar) => binary("logicalOr", BinaryOp.logicalOr, "logical", a, b);

/**
 * "float": float math (integers give float32); "numeric": keeps the dtype, not for
 * bool; "rounding": floats only (integers are returned as they are); "predicate": bool.
 */
type UnaryKind = "float" | "numeric" | "rounding" | "predicate";

function unary(name: string, op: UnaryOp, kind: UnaryKind, a: NDArray): NDArray {
  checkArray(name, a);
  if ((kind === "numeric" || kind === "rounding") && a.dtype === "bool") throw new ArrayError(name, `not defined for dtype bool (shape [${a.shape.join(",")}]); cast with astype first`);
  if (kind === "rounding" && !isFloat(a.dtype)) return a;
  const outDt = kind === "float" ? floatResult(a.dtype) : kind === "predicate" ? "bool" : a.dtype;
  const out = NDArray.empty(a.shape, outDt, a.device);
  if (out.size > 0) backendFor(a.device).unary(op, a, out);
  return out;
}

/** True where a is 0 / false. */
export const logicalNot = (a: NDArray) => unary("logicalNot", UnaryOp.logicalNot, "predicate", a);
/** True where a is NaN (never for integer dtypes). */
export const isnan = (a: NDArray) => unary("isnan", UnaryOp.isnan, "predicate", a);
export const negative = (a: NDArray) => unary("negative", UnaryOp.negative, "numeric", a);
export const abs = (a: NDArray) => unary("abs", UnaryOp.abs, "numeric", a);
export const square = (a: NDArray) => unary("square", UnaryOp.square, "numeric", a);
/** -1, 0 or 1 by the sign of each element (NaN stays NaN). */
export const sign = (a: NDArray) => unary("sign", UnaryOp.sign, "numeric", a);
export const floor = (a: NDArray) => unary("floor", UnaryOp.floor, "rounding", a);
export const ceil = (a: NDArray) => unary("ceil", UnaryOp.ceil, "rounding", a);
export const exp = (a: NDArray) => unary("exp", UnaryOp.exp, "float", a);
export const log = (a: NDArray) => unary("log", UnaryOp.log, "float", a);
export const sqrt = (a: NDArray) => unary("sqrt", UnaryOp.sqrt, "float", a);
/** 1 / sqrt(a) */
export const rsqrt = (a: NDArray) => unary("rsqrt", UnaryOp.rsqrt, "float", a);
export const sin = (a: NDArray) => unary("sin", UnaryOp.sin, "float", a);
export const cos = (a: NDArray) => unary("cos", UnaryOp.cos, "float", a);
export const tanh = (a: NDArray) => unary("tanh", UnaryOp.tanh, "float", a);
/** 1 / (1 + exp(-a)) */
export const sigmoid = (a: NDArray) => unary("sigmoid", UnaryOp.sigmoid, "float", a);
/** a * sigmoid(a) */
export const silu = (a: NDArray) => unary("silu", UnaryOp.silu, "float", a);
/** 1 / a */
export const reciprocal = (a: NDArray) => unary("reciprocal", UnaryOp.reciprocal, "float", a);

/** Elements of `a` where `cond` is true, else of `b`; all three broadcast together. */
export function where(cond: ArrayOrScalar, a: ArrayOrScalar, b: ArrayOrScalar): NDArray {
  const on = [cond, a, b].find((v): v is NDArray => v instanceof NDArray)?.device;
  const c = asArray("where", cond, cond, on);
  const x = asArray("where", a, b, on), y = asArray("where", b, a, on);
  const device = sameDevice("where", c, x, y);
  const shape = broadcastShapes("where", c.shape, x.shape, y.shape);
  const out = NDArray.empty(shape, promoteTypes(x.dtype, y.dtype), device);
  if (out.size > 0) backendFor(device).where(broadcastView(c, shape), broadcastView(x, shape), broadcastView(y, shape), out);
  return out;
}
