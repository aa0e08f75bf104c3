// Rotary positional encoding (RoPE): each pair of a head's dims is rotated by an angle
// that grows with the token's position, so q·k depends on the distance between tokens.
import * as mx from "@tiny-llm/array";
import { ArgumentError, checkFloatArray, checkPositiveInt } from "./checks";

/**
 * RoPE over `dims` = D head dims for positions 0 .. seqLen-1, frequencies
 * theta_i = base^(-2i/D) for i < D/2. `traditional` rotates interleaved pairs
 * (x[2i], x[2i+1]), as the RoFormer paper writes it; otherwise the pairs are
 * (x[i], x[i + D/2]), the half-split form Qwen2 uses.
 *
 *   x: N.. x L x H x D  ->  N.. x L x H x D
 *
 * Week 1, day 2, tasks 1 (traditional) and 2 (half-split) (book: week1-02-positional-encodings.md).
 */
export class RoPE {
  /** cos / sin of position * theta_i: seqLen x D/2, float32 (week 2's FusedRoPE gathers rows of them). */
  protected readonly cosTable: mx.array;
  protected readonly sinTable: mx.array;

  constructor(
    readonly dims: number,
    readonly seqLen: number,
    readonly base = 10000,
    readonly traditional = false,
  ) {
    checkPositiveInt("RoPE", "dims", dims);
    checkPositiveInt("RoPE", "seqLen", seqLen);
    if (dims % 2 !== 0) throw new ArgumentError("RoPE", `dims must be even (pairs of dims rotate together), got ${dims}`);
    const theta = mx.reciprocal(mx.power(base, mx.arange(0, dims, 2, "float32").divide(dims))); // D/2
    const angles = mx.arange(0, seqLen, 1, "float32").reshape(seqLen, 1).multiply(theta.reshape(1, dims / 2));
    this.cosTable = angles.cos();
    this.sinTable = angles.sin();
  }

  /**
   * cos and sin of the angles of x's L tokens, at positions offset .. offset + L - 1,
   * after checking x (a float array, its head size) and that the positions are in the table.
   *
   *   x: N.. x L x H x D  ->  [cos, sin]: L x D/2 each
   */
  protected angles(fn: string, x: mx.array, offset: number): [mx.array, mx.array] {
    checkFloatArray(fn, "x", x, "N.. x L x H x D", 3);
    const [L, , D] = x.shape.slice(-3);
    if (D !== this.dims) throw new ArgumentError(fn, `x has shape [${x.shape}], expected D = ${this.dims} in its last dim (N.. x L x H x D)`);
    return this.rows(fn, L, offset);
  }

  /** The tables' rows of positions offset .. offset + L - 1, after checking that they are in the table: L x D/2 each. */
  protected rows(fn: string, L: number, offset: number): [mx.array, mx.array] {
    if (!Number.isInteger(offset) || offset < 0 || offset + L > this.seqLen) {
      throw new ArgumentError(fn, `positions ${offset} .. ${offset + L - 1} are outside the table of ${this.seqLen} positions (seqLen)`);
    }
    const rows = `${offset}:${offset + L}`;
    return [this.cosTable.slice(rows), this.sinTable.slice(rows)];
  }

  /** Encodes the L tokens of `x` as positions offset .. offset + L - 1. */
  forward(x: mx.array, offset = 0): mx.array {
    // L x 1 x D/2: broadcasts over N.. and H.
    const [cos, sin] = this.angles("RoPE.forward", x, offset).map((t) => t.expandDims(1));
    const half = x.shape[x.ndim - 1] / 2;
    const xf = x.astype("float32");
    let out: mx.array;
    if (this.traditional) {
      const pairs = xf.reshape([...x.shape.slice(0, -1), half, 2]); // N.. x L x H x D/2 x 2
      const x0 = pairs.slice("...", 0);
      const x1 = pairs.slice("...", 1);
      const r0 = x0.multiply(cos).subtract(x1.multiply(sin));
      const r1 = x0.multiply(sin).add(x1.multiply(cos));
      out = mx.stack([r0, r1], -1).reshape(x.shape);
    } else {
      const x0 = xf.slice("...", `0:${half}`);
      const x1 = xf.slice("...", `${half}:`);
      const r0 = x0.multiply(cos).subtract(x1.multiply(sin));
      const r1 = x1.multiply(cos).add(x0.multiply(sin));
      out = mx.concatenate([r0, r1], -1);
    }
    return out.astype(x.dtype);
  }
}
