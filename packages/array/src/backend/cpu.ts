// The CPU backend: every kernel is a call into the C++ core.
import type { NDArray } from "../array";
import { dtypeCode } from "../dtype";
import { ArrayError } from "../errors";
import { isReleased } from "../memory";
import type { KernelArray } from "../extension";
import { givePooled, pooledSize, takePooled } from "./cpu-pool";
import type { Backend } from "./index";
import { native } from "./native";

/** The dtype code of an operand; every kernel call passes it, so it also refuses released arrays (memory.ts). */
const code = (a: NDArray) => {
  if (isReleased(a)) throw new ArrayError("kernel", "an operand was released (mx.tidy or mx.dispose) and can no longer be used; return it from tidy or mark it with mx.keep");
  return dtypeCode(a.dtype);
};

/** A CPU array's ArrayBuffer (the CPU backend only ever gets CPU arrays). */
const host = (a: NDArray) => a.storage as ArrayBuffer;

/**
 * A CPU array's memory from its first element, for the native functions that take a
 * destination without an offset: the buffer itself, or a view of it from that element.
 */
const from = (a: NDArray): ArrayBuffer | Uint8Array => (a.offset === 0 ? host(a) : new Uint8Array(host(a), a.offset * a.itemsize));

// The layouts of a custom kernel's arrays packed for native code (tl::array_args reads
// a whole list in three Node-API calls): per list, [n, then per array: address of its
// buffer, offset, dtype, ndim, ...shape, ...strides], set on the list as `layouts`.
// Reading an array's fields one by one took five to ten Node-API calls an array, each a
// property lookup from C++ without V8's inline caches: 10 of the 13 us of a small
// quantized product (a decode step makes a hundred-odd such calls). The blocks are views
// of one buffer, taken by each kernel call after those of the calls it runs inside (a
// JavaScript kernel may run others) and given back when it returns, so that none is
// allocated per call and none lives in V8's heap (Node-API would copy a small typed
// array out of it first).
const LAYOUTS = new Float64Array(4096);
let layoutsUsed = 0;

/** Where each buffer's memory is (native.bufferAddress, once per buffer). */
const ADDRESSES = new WeakMap<ArrayBuffer, number>();

function address(buf: ArrayBuffer): number {
  let at = ADDRESSES.get(buf);
  if (at === undefined) ADDRESSES.set(buf, (at = native.bufferAddress(buf)));
  return at;
}

/** A custom kernel's list of arrays, with their packed `layouts`. */
function kernelArrays(list: NDArray[]): KernelArray[] {
  let size = 1;
  for (const a of list) size += 4 + 2 * a.ndim;
  const layouts = layoutsUsed + size <= LAYOUTS.length ? LAYOUTS.subarray(layoutsUsed, layoutsUsed + size) : new Float64Array(size);
  layoutsUsed += size;
  layouts[0] = list.length;
  let p = 1;
  const arrays = list.map((a): KernelArray => {
    const n = a.ndim, dtype = code(a);
    layouts[p] = address(host(a));
    layouts[p + 1] = a.offset;
    layouts[p + 2] = dtype;
    layouts[p + 3] = n;
    for (let i = 0; i < n; i++) {
      layouts[p + 4 + i] = a.shape[i];
      layouts[p + 4 + n + i] = a.strides[i];
    }
    p += 4 + 2 * n;
    return { data: host(a), offset: a.offset, dtype, shape: a.shape, strides: a.strides };
  });
  return Object.assign(arrays, { layouts });
}

/**
 * Arrays this large (weights, mostly) start on a 2 MiB boundary, in transparent huge
 * pages from there: fewer page faults on first write, fewer TLB misses on every read.
 */
const HUGE_PAGE_MIN_BYTES = 4 << 20;
const HUGE_PAGE_BYTES = 2 << 20;
/** Arrays this large start on a 64-byte cache line; smaller ones are read in a vector or two anyway. */
const LINE_ALIGN_MIN_BYTES = 4096;

/** Fills uint32 CPU array `dst` (contiguous) with threefry bits under `key` (random.ts). */
export function cpuRandomBits(key: [number, number], dst: NDArray): void {
  native.randomBits(key[0], key[1], dst.size, from(dst));
}

export const cpuBackend: Backend = {
  allocate(bytes, zeroed) {
    // Room to start the array on a cache line or a huge page (native/src/host_buffer.cc);
    // the slack before and after it is never written, so it takes no memory.
    const align = bytes >= HUGE_PAGE_MIN_BYTES ? HUGE_PAGE_BYTES : bytes >= LINE_ALIGN_MIN_BYTES ? 64 : 0;
    const total = pooledSize(bytes + align);
    // A zeroed array takes a pooled buffer too, and clears it: its pages are in memory
    // already, where a new buffer's are faulted in one by one on first write (a batch's
    // KV cache, laid out again in zeroed buffers whenever a request joins or leaves).
    const pooled = takePooled(total);
    const buf = pooled ?? (zeroed ? new ArrayBuffer(total) : (Buffer.allocUnsafeSlow(total).buffer as ArrayBuffer));
    if (pooled === undefined && align === HUGE_PAGE_BYTES) native.adviseHugePages(buf);
    const byteOffset = align > 0 ? native.alignedOffset(buf, align) : 0;
    if (pooled !== undefined && zeroed) new Uint8Array(buf, byteOffset, bytes).fill(0);
    return { storage: buf, byteOffset };
  },
  release(storage) {
    givePooled(storage as ArrayBuffer);
  },
  upload(storage, byteOffset, bytes) {
    new Uint8Array(storage as ArrayBuffer, byteOffset, bytes.length).set(bytes);
  },
  async download(a) {
    return host(a).slice(a.offset * a.itemsize, (a.offset + a.size) * a.itemsize);
  },
  copy(src, dst) {
    native.copy(host(src), src.offset, code(src), src.strides, host(dst), dst.offset, code(dst), dst.strides, dst.shape);
  },
  unary(op, src, dst) {
    native.unary(op, host(src), src.offset, code(src), src.strides, host(dst), dst.offset, code(dst), dst.strides, dst.shape);
  },
  binary(op, computeFloat, a, b, dst) {
    native.binary(
      op, computeFloat,
      host(a), a.offset, code(a), a.strides,
      host(b), b.offset, code(b), b.strides,
      host(dst), dst.offset, code(dst), dst.strides, dst.shape,
    );
  },
  where(cond, a, b, dst) {
    native.where(
      host(cond), cond.offset, code(cond), cond.strides,
      host(a), a.offset, code(a), a.strides,
      host(b), b.offset, code(b), b.strides,
      host(dst), dst.offset, code(dst), dst.strides, dst.shape,
    );
  },
  reduce(op, src, axes, dst) {
    const outer = src.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    native.reduce(
      op, host(src), src.offset, code(src),
      outer.map((i) => src.shape[i]), outer.map((i) => src.strides[i]),
      axes.map((i) => src.shape[i]), axes.map((i) => src.strides[i]),
      from(dst), code(dst),
    );
  },
  softmax(src, dst, rows, n) {
    native.softmax(host(src), src.offset, code(src), from(dst), code(dst), rows, n);
  },
  rmsNorm(src, weight, dst, rows, n, eps, residual) {
    const args = [host(src), src.offset, code(src), host(weight), weight.offset, code(weight), from(dst), code(dst), rows, n, eps] as const;
    if (residual === undefined) native.rmsNorm(...args);
    else native.rmsNorm(...args, host(residual.add), residual.add.offset, host(residual.sum), residual.sum.offset);
  },
  rope(src, cos, sin, dst, traditional) {
    const [B, L, H, D] = src.shape;
    native.rope(host(src), src.offset, code(src), src.strides.slice(0, 3), host(cos), cos.offset, host(sin), sin.offset, from(dst), code(dst), B, L, H, D, traditional);
  },
  scan(op, reverse, src, dst, rows, n) {
    native.scan(op, reverse, host(src), src.offset, code(src), from(dst), code(dst), rows, n);
  },
  argsort(src, dst, rows, n, descending) {
    native.argsort(host(src), src.offset, code(src), from(dst), rows, n, descending);
  },
  topkIndices(src, dst, rows, n, k) {
    native.topkIndices(host(src), src.offset, code(src), from(dst), rows, n, k);
  },
  take(src, outer, axisLen, inner, idx, dst) {
    return native.take(host(src), src.offset, code(src), outer, axisLen, inner, host(idx), idx.offset, idx.size, from(dst));
  },
  takeAlongAxis(src, outer, n, inner, idx, m, dst) {
    return native.takeAlongAxis(host(src), src.offset, code(src), outer, n, inner, host(idx), idx.offset, m, from(dst));
  },
  matmul(a, b, dst, M, N, K) {
    native.matmul(
      host(a.array), code(a.array), a.offsets, a.rowStride, a.colStride,
      host(b.array), code(b.array), b.offsets, b.rowStride, b.colStride,
      from(dst), code(dst), M, N, K,
    );
  },
  customKernel(impl, inputs, outputs, params) {
    const start = layoutsUsed;
    try {
      impl(kernelArrays(inputs), kernelArrays(outputs), params);
    } finally {
      layoutsUsed = start;
    }
  },
};
