// matmul with numpy semantics: 1-D operands are promoted to matrices, batch dims broadcast.
import { NDArray } from "../array";
import { backendFor, MatmulOperand } from "../backend";
import { isFloat, promoteTypes } from "../dtype";
import { ArrayError, fmtShape } from "../errors";
import { broadcastShapes, broadcastStrides, contiguousStrides, shapeSize } from "../layout";
import { checkArray } from "./check";
import { sameDevice } from "./elementwise";
import { reshape } from "./shape";

/** Where each batch's matrix starts, for `a` broadcast over `batch` (batch dims only). */
function operand(a: NDArray, batch: number[]): MatmulOperand {
  const nb = a.ndim - 2;
  const strides = broadcastStrides(a.shape.slice(0, nb), a.strides.slice(0, nb), batch);
  const count = shapeSize(batch);
  const offsets = new Float64Array(count);
  const unit = contiguousStrides(batch);
  for (let b = 0; b < count; b++) {
    let off = a.offset;
    for (let d = 0; d < batch.length; d++) off += Math.floor(b / unit[d]) % batch[d] * strides[d];
    offsets[b] = off;
  }
  return { array: a, offsets, rowStride: a.strides[nb], colStride: a.strides[nb + 1] };
}

/**
 * Matrix product a @ b over the last two dims (`N.. x M x K` @ `N.. x K x N`), with
 * numpy's rules: a 1-D `a` is a row, a 1-D `b` a column (their unit dims are dropped
 * from the result); batch dims broadcast. Float dtypes only; accumulates in float32.
 */
export function matmul(a: NDArray, b: NDArray): NDArray {
  checkArray("matmul", a);
  checkArray("matmul", b);
  if (!isFloat(a.dtype) || !isFloat(b.dtype)) {
    throw new ArrayError("matmul", `needs float operands, got ${a.dtype} ${fmtShape(a.shape)} and ${b.dtype} ${fmtShape(b.shape)} (cast with astype)`);
  }
  if (a.ndim === 0 || b.ndim === 0) throw new ArrayError("matmul", `operands need at least 1 dim, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const device = sameDevice("matmul", a, b);
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const M = a2.shape[a2.ndim - 2], K = a2.shape[a2.ndim - 1];
  const Kb = b2.shape[b2.ndim - 2], N = b2.shape[b2.ndim - 1];
  if (K !== Kb) throw new ArrayError("matmul", `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not line up (${K} vs ${Kb})`);
  const batchA = a2.shape.slice(0, -2), batchB = b2.shape.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes("matmul", batchA, batchB);
  } catch {
    throw new ArrayError("matmul", `batch dims of shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast together (${fmtShape(batchA)} vs ${fmtShape(batchB)})`);
  }
  const out = NDArray.empty([...batch, M, N], promoteTypes(a.dtype, b.dtype), device);
  if (out.size > 0) backendFor(device).matmul(operand(a2, batch), operand(b2, batch), out, M, N, K);
  const shape = [...batch];
  if (a.ndim > 1) shape.push(M);
  if (b.ndim > 1) shape.push(N);
  return shape.length === out.ndim ? out : reshape(out, shape);
}
