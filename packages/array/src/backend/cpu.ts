// The CPU backend: every kernel is a call into the C++ core.
import type { NDArray } from "../array";
import { dtypeCode } from "../dtype";
import { ArrayError } from "../errors";
import { isReleased } from "../memory";
import type { KernelArray } from "../extension";
import type { Backend } from "./index";
import { native } from "./native";

/** The dtype code of an operand; every kernel call passes it, so it also refuses released arrays (memory.ts). */
const code = (a: NDArray) => {
  if (isReleased(a)) throw new ArrayError("kernel", "an operand was released (mx.tidy or mx.dispose) and can no longer be used; return it from tidy or mark it with mx.keep");
  return dtypeCode(a.dtype);
};

const kernelArray = (a: NDArray): KernelArray => ({ data: a.data, offset: a.offset, dtype: code(a), shape: a.shape, strides: a.strides });

export const cpuBackend: Backend = {
  copy(src, dst) {
    native.copy(src.data, src.offset, code(src), src.strides, dst.data, dst.offset, code(dst), dst.strides, dst.shape);
  },
  unary(op, src, dst) {
    native.unary(op, src.data, src.offset, code(src), src.strides, dst.data, dst.offset, code(dst), dst.strides, dst.shape);
  },
  binary(op, computeFloat, a, b, dst) {
    native.binary(
      op, computeFloat,
      a.data, a.offset, code(a), a.strides,
      b.data, b.offset, code(b), b.strides,
      dst.data, dst.offset, code(dst), dst.strides, dst.shape,
    );
  },
  where(cond, a, b, dst) {
    native.where(
      cond.data, cond.offset, code(cond), cond.strides,
      a.data, a.offset, code(a), a.strides,
      b.data, b.offset, code(b), b.strides,
      dst.data, dst.offset, code(dst), dst.strides, dst.shape,
    );
  },
  reduce(op, src, axes, dst) {
    const outer = src.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    native.reduce(
      op, src.data, src.offset, code(src),
      outer.map((i) => src.shape[i]), outer.map((i) => src.strides[i]),
      axes.map((i) => src.shape[i]), axes.map((i) => src.strides[i]),
      dst.data, code(dst),
    );
  },
  softmax(src, dst, rows, n) {
    native.softmax(src.data, src.offset, code(src), dst.data, code(dst), rows, n);
  },
  rmsNorm(src, weight, dst, rows, n, eps) {
    native.rmsNorm(src.data, src.offset, code(src), weight.data, weight.offset, code(weight), dst.data, code(dst), rows, n, eps);
  },
  rope(src, cos, sin, dst, traditional) {
    const [B, L, H, D] = src.shape;
    native.rope(src.data, src.offset, code(src), src.strides.slice(0, 3), cos.data, cos.offset, sin.data, sin.offset, dst.data, code(dst), B, L, H, D, traditional);
  },
  scan(op, reverse, src, dst, rows, n) {
    native.scan(op, reverse, src.data, src.offset, code(src), dst.data, code(dst), rows, n);
  },
  argsort(src, dst, rows, n, descending) {
    native.argsort(src.data, src.offset, code(src), dst.data, rows, n, descending);
  },
  topkIndices(src, dst, rows, n, k) {
    native.topkIndices(src.data, src.offset, code(src), dst.data, rows, n, k);
  },
  take(src, outer, axisLen, inner, idx, dst) {
    return native.take(src.data, src.offset, code(src), outer, axisLen, inner, idx.data, idx.offset, idx.size, dst.data);
  },
  takeAlongAxis(src, outer, n, inner, idx, m, dst) {
    return native.takeAlongAxis(src.data, src.offset, code(src), outer, n, inner, idx.data, idx.offset, m, dst.data);
  },
  matmul(a, b, dst, M, N, K) {
    native.matmul(
      a.array.data, code(a.array), a.offsets, a.rowStride, a.colStride,
      b.array.data, code(b.array), b.offsets, b.rowStride, b.colStride,
      dst.data, code(dst), M, N, K,
    );
  },
  randomBits(key, dst) {
    native.randomBits(key[0], key[1], dst.size, dst.data);
  },
  customKernel(impl, inputs, outputs, params) {
    impl(inputs.map(kernelArray), outputs.map(kernelArray), params);
  },
};
