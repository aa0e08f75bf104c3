/// <reference types="@webgpu/types" />
// Elementwise kernels on the GPU: copy (and dtype conversion), unary and binary ops,
// where. One thread per output element; each operand is read through its own strides
// (0 where it broadcasts), so views never need a contiguous copy first.
import type { NDArray } from "../../../array";
import { isFloat } from "../../../dtype";
import { BinaryOp, UnaryOp } from "../../codes";
import type { GpuContext } from "../context";
import { buf } from "../buffers";
import { ComputeType, FLOAT16, grid, LINEAR, LINEAR_ID, loader, naturalType, NONFINITE, roundedTo, storer, strided, stridedParams } from "../wgsl";

/**
 * Runs `body` (WGSL statements with `at`, the element index of each operand and then of
 * `dst` at the output position, in scope) once per element of `dst`; `decls` makes the
 * kernel's declarations, called only the first time `label` meets these operand dtypes.
 */
function launch(ctx: GpuContext, label: string, decls: () => string, body: string, operands: NDArray[], dst: NDArray): void {
  const wgsl = () => `${FLOAT16}${strided(operands.length + 1)}${NONFINITE}${decls()}
@compute @workgroup_size(256) fn main(${LINEAR_ID}) {
  let lin = ${LINEAR};
  if (lin >= P[0]) { return; }
  let at = offsets(lin);
  ${body}
}`;
  ctx.dispatch({
    label, wgsl,
    key: `${label}|${operands.map((a) => a.dtype).join(",")}|${dst.dtype}`,
    buffers: [...operands, dst].map(buf),
    params: stridedParams(label, dst.shape, [...operands, dst]),
    workgroups: grid(dst.size),
  });
}

/** dst = src converted to dst's dtype. */
export function copy(ctx: GpuContext, src: NDArray, dst: NDArray): void {
  const t = naturalType(src.dtype);
  launch(ctx, "copy", () => loader("A", src.dtype, 1, t) + storer("O", dst.dtype, 2, t),
    "st_O(at[1], ld_A(at[0]));", [src], dst);
}

/** Range-reduced sin and cos: WGSL's own are only accurate near [-pi, pi]. */
const TRIG = /* wgsl */ `
fn reduce2pi(x: f32) -> f32 {
  let k = round(x * 0.15915494309189535);
  return (x - k * 6.28318548202514648) + k * 1.7484556000744883e-7;
}
`;

const UNARY_F32: Partial<Record<UnaryOp, string>> = {
  [UnaryOp.negative]: "-x",
  [UnaryOp.abs]: "abs(x)",
  [UnaryOp.square]: "x * x",
  [UnaryOp.sign]: "select(sign(x), x, isnan_f(x))",
  [UnaryOp.floor]: "floor(x)",
  [UnaryOp.ceil]: "ceil(x)",
  [UnaryOp.exp]: "exp(x)",
  [UnaryOp.log]: "log(x)",
  [UnaryOp.sqrt]: "sqrt(x)",
  [UnaryOp.rsqrt]: "1.0 / sqrt(x)",
  [UnaryOp.sin]: "sin(reduce2pi(x))",
  [UnaryOp.cos]: "cos(reduce2pi(x))",
  [UnaryOp.tanh]: "tanh(clamp(x, -15.0, 15.0))",
  [UnaryOp.sigmoid]: "1.0 / (1.0 + exp(-x))",
  [UnaryOp.silu]: "x / (1.0 + exp(-x))",
  [UnaryOp.reciprocal]: "1.0 / x",
  [UnaryOp.logicalNot]: "select(1.0, 0.0, truthy_f(x))",
  [UnaryOp.isnan]: "select(0.0, 1.0, isnan_f(x))",
};

const UNARY_INT: Partial<Record<UnaryOp, (t: ComputeType) => string>> = {
  [UnaryOp.negative]: (t) => (t === "u32" ? "0u - x" : "-x"),
  [UnaryOp.abs]: (t) => (t === "u32" ? "x" : "abs(x)"),
  [UnaryOp.square]: () => "x * x",
  [UnaryOp.sign]: (t) => (t === "u32" ? "select(0u, 1u, x != 0u)" : "sign(x)"),
  [UnaryOp.logicalNot]: (t) => `select(${t}(0), ${t}(1), x == ${t}(0))`,
  [UnaryOp.isnan]: (t) => `${t}(0)`,
};

/** dst = op(src); float ops compute in f32, the rest in the source's integer type. */
export function unary(ctx: GpuContext, op: UnaryOp, src: NDArray, dst: NDArray): void {
  const intMath = !isFloat(src.dtype) && UNARY_INT[op] !== undefined;
  const t: ComputeType = intMath ? naturalType(src.dtype) : "f32";
  const expr = intMath ? UNARY_INT[op]!(t) : UNARY_F32[op]!;
  launch(ctx, `unary ${UnaryOp[op]}`, () => TRIG + loader("A", src.dtype, 1, t) + storer("O", dst.dtype, 2, t),
    `let x = ld_A(at[0]); st_O(at[1], ${expr});`, [src], dst);
}

/** dst = silu(a) * b, silu's result rounded to dst's dtype first, as silu then multiply would store it. */
export function swiglu(ctx: GpuContext, a: NDArray, b: NDArray, dst: NDArray): void {
  const silu = roundedTo(dst.dtype, UNARY_F32[UnaryOp.silu]!);
  launch(ctx, "swiglu", () => loader("A", a.dtype, 1, "f32") + loader("B", b.dtype, 2, "f32") + storer("O", dst.dtype, 3, "f32"),
    `let x = ld_A(at[0]); st_O(at[2], ${silu} * ld_B(at[1]));`, [a, b], dst);
}

/** Python's float floor division and remainder, as the CPU core computes them. */
const FLOAT_DIVMOD = /* wgsl */ `
fn fmod_(a: f32, b: f32) -> f32 { return a - b * trunc(a / b); }

fn floordiv_f(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return a / b; }
  let m = fmod_(a, b);
  var d = (a - m) / b;
  if (m != 0.0 && ((b < 0.0) != (m < 0.0))) { d -= 1.0; }
  if (d == 0.0) { return select(0.0, -0.0, (a / b) < 0.0); }
  let fl = floor(d);
  return select(fl, fl + 1.0, d - fl > 0.5);
}
fn rem_f(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return nan_f(); }
  var m = fmod_(a, b);
  if (m != 0.0) { if ((b < 0.0) != (m < 0.0)) { m += b; } } else { m = select(0.0, -0.0, b < 0.0); }
  return m;
}
`;

/** Integer floor division, remainder and power of type T with the CPU core's edge cases. */
function intDivmod(t: ComputeType): string {
  const signed = t === "i32";
  return `
fn floordiv_i(a: ${t}, b: ${t}) -> ${t} {
  if (b == ${t}(0)) { return ${t}(0); }
  ${signed ? "if (b == -1) { return 0 - a; }" : ""}
  let q = a / b;
  ${signed ? "if ((a % b) != 0 && ((a < 0) != (b < 0))) { return q - 1; }" : ""}
  return q;
}
fn rem_i(a: ${t}, b: ${t}) -> ${t} {
  if (b == ${t}(0)${signed ? " || b == -1" : ""}) { return ${t}(0); }
  let r = a % b;
  ${signed ? "if (r != 0 && ((r < 0) != (b < 0))) { return r + b; }" : ""}
  return r;
}
fn pow_i(base: ${t}, e0: ${t}) -> ${t} {
  ${signed ? "if (e0 < 0) { if (base == 1) { return 1; } if (base == -1) { return select(1, -1, (e0 & 1) != 0); } return 0; }" : ""}
  var r = ${t}(1); var b = base; var e = e0;
  while (e != ${t}(0)) { if ((e & ${t}(1)) != ${t}(0)) { r *= b; } b *= b; e = e >> ${signed ? "1u" : "1u"}; }
  return r;
}
`;
}

function binaryExpr(op: BinaryOp, t: ComputeType): string {
  const one = `${t}(1)`, zero = `${t}(0)`;
  const cmp = (c: string) => `select(${zero}, ${one}, ${c})`;
  switch (op) {
    case BinaryOp.add: return "x + y";
    case BinaryOp.subtract: return "x - y";
    case BinaryOp.multiply: return "x * y";
    case BinaryOp.divide: return t === "f32" ? "x / y" : "floordiv_i(x, y)";
    case BinaryOp.floorDivide: return t === "f32" ? "floordiv_f(x, y)" : "floordiv_i(x, y)";
    case BinaryOp.remainder: return t === "f32" ? "rem_f(x, y)" : "rem_i(x, y)";
    case BinaryOp.power: return t === "f32" ? "pow_f(x, y)" : "pow_i(x, y)";
    case BinaryOp.maximum: return t === "f32" ? "select(select(select(y, x, x > y), y, isnan_f(y)), x, isnan_f(x))" : "max(x, y)";
    case BinaryOp.minimum: return t === "f32" ? "select(select(select(y, x, x < y), y, isnan_f(y)), x, isnan_f(x))" : "min(x, y)";
    case BinaryOp.equal: return cmp("x == y");
    case BinaryOp.notEqual: return cmp("x != y");
    case BinaryOp.less: return cmp("x < y");
    case BinaryOp.lessEqual: return cmp("x <= y");
    case BinaryOp.greater: return cmp("x > y");
    case BinaryOp.greaterEqual: return cmp("x >= y");
    case BinaryOp.logicalAnd: return cmp(t === "f32" ? "truthy_f(x) && truthy_f(y)" : `x != ${zero} && y != ${zero}`);
    case BinaryOp.logicalOr: return cmp(t === "f32" ? "truthy_f(x) || truthy_f(y)" : `x != ${zero} || y != ${zero}`);
  }
}

/** C's powf for all signs: WGSL's pow is undefined for a negative base. */
const POW_F = /* wgsl */ `
fn pow_f(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (x == 1.0) { return 1.0; }
  if (isnan_f(x) || isnan_f(y)) { return x + y; }
  if (x == 0.0) { return select(0.0, inf_f(), y < 0.0); }
  let r = exp2(y * log2(abs(x)));
  if (x > 0.0) { return r; }
  if (y != trunc(y)) { return nan_f(); }
  return select(r, -r, fmod_(abs(y), 2.0) == 1.0);
}
`;

/** dst = op(a, b) in f32 (computeFloat) or in the operands' integer type. */
export function binary(ctx: GpuContext, op: BinaryOp, computeFloat: boolean, a: NDArray, b: NDArray, dst: NDArray): void {
  const unsigned = (d: string) => d === "uint32" || d === "uint8" || d === "bool";
  const t: ComputeType = computeFloat ? "f32" : unsigned(a.dtype) && unsigned(b.dtype) ? "u32" : "i32";
  const helpers = () => (t === "f32" ? FLOAT_DIVMOD + POW_F : intDivmod(t));
  launch(ctx, `binary ${BinaryOp[op]} ${t}`, () => helpers() + loader("A", a.dtype, 1, t) + loader("B", b.dtype, 2, t) + storer("O", dst.dtype, 3, t),
    `let x = ld_A(at[0]); let y = ld_B(at[1]); st_O(at[2], ${binaryExpr(op, t)});`, [a, b], dst);
}

/** dst = cond ? a : b, in dst's dtype. */
export function where(ctx: GpuContext, cond: NDArray, a: NDArray, b: NDArray, dst: NDArray): void {
  const c = naturalType(cond.dtype), t = naturalType(dst.dtype);
  launch(ctx, "where", () => loader("C", cond.dtype, 1, c) + loader("A", a.dtype, 2, t) + loader("B", b.dtype, 3, t) + storer("O", dst.dtype, 4, t),
    `let c = ${c === "f32" ? "truthy_f(ld_C(at[0]))" : `ld_C(at[0]) != ${c}(0)`}; st_O(at[3], select(ld_B(at[2]), ld_A(at[1]), c));`, [cond, a, b], dst);
}
