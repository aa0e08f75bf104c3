// flashAttention of tiny-llm-ext-ref (the C++ kernel) against plain attention computed
// here with @tiny-llm/array ops: softmax(q k^T * scale + mask) v in float32, K and V
// repeated per group of query heads (the kernel never repeats them). Every numeric case
// runs twice: the SIMD-tiled path and TINY_LLM_KERNELS=portable. The PyTorch goldens of
// the course suite are in tests/week_2_day_4.test.ts.
//
// A query row that sees no key (every key masked with -inf, or a causal row before the
// first key when L > S) gives zeros, as torch's scaled_dot_product_attention does since
// 2.5 (_safe_softmax), not NaN.
import * as mx from "@tiny-llm/array";
import { flashAttention } from "@tiny-llm/tiny-llm-ext-ref";
import { expectClose } from "../../tests/helpers/compare";
import { randomNormal } from "../../tests/helpers/reference";

const TOL = { rtol: 1e-4, atol: 1e-5 };

/** x repeated from H_kv to H_q heads (N.. x H_kv x S x D -> N.. x H_q x S x D), float32. */
function repeatHeads(x: mx.array, Hq: number): mx.array {
  const [Hkv, S, D] = x.shape.slice(-3);
  const lead = x.shape.slice(0, -3);
  const grouped = mx.broadcastTo(mx.expandDims(x.astype("float32"), -3), [...lead, Hkv, Hq / Hkv, S, D]);
  return mx.reshape(grouped, [...lead, Hq, S, D]);
}

/** Plain attention in float32; a row whose keys are all masked gives zeros. */
function plainAttention(q: mx.array, k: mx.array, v: mx.array, scale: number, mask?: mx.array): mx.array {
  const Hq = q.shape[q.ndim - 3];
  let scores = mx.multiply(mx.matmul(q.astype("float32"), mx.swapaxes(repeatHeads(k, Hq), -1, -2)), scale);
  if (mask) scores = mx.add(scores, mask.astype("float32"));
  const rowMax = mx.max(scores, -1, true);
  const e = mx.exp(mx.subtract(scores, mx.where(mx.equal(rowMax, -Infinity), 0, rowMax)));
  const sum = mx.sum(e, -1, true);
  return mx.matmul(mx.divide(e, mx.where(mx.equal(sum, 0), 1, sum)), repeatHeads(v, Hq));
}

/** The bottom-right aligned causal mask, L x S: query i sees the keys j <= S - L + i. */
function causalMask(L: number, S: number): mx.array {
  const m = new Float32Array(L * S);
  for (let i = 0; i < L; i++) for (let j = 0; j < S; j++) m[i * S + j] = j <= S - L + i ? 0 : -Infinity;
  return mx.fromTypedArray(m, [L, S]);
}

/** A random additive mask with about a third of the keys at -inf (seeded). */
function randomMask(seed: number, shape: number[]): mx.array {
  const hide = mx.less(mx.random.uniform(shape, { key: mx.random.key(seed) }), 1 / 3);
  return mx.where(hide, -Infinity, randomNormal(seed + 1, shape));
}

const PATHS = ["simd", "portable"] as const;

/** Runs `body` with the kernels' SIMD path, then with TINY_LLM_KERNELS=portable. */
function bothPaths(body: (path: (typeof PATHS)[number]) => void): void {
  const saved = process.env.TINY_LLM_KERNELS;
  try {
    for (const path of PATHS) {
      if (path === "portable") process.env.TINY_LLM_KERNELS = "portable";
      else delete process.env.TINY_LLM_KERNELS;
      body(path);
    }
  } finally {
    if (saved === undefined) delete process.env.TINY_LLM_KERNELS;
    else process.env.TINY_LLM_KERNELS = saved;
  }
}

interface Case {
  lead?: number[];
  Hq: number;
  Hkv: number;
  L: number;
  S: number;
  D: number;
  mask?: "causal" | "array";
  scale?: number;
  dtype?: mx.Dtype;
}

/** flashAttention on random inputs of `c`'s shape against plainAttention, on both paths. */
function checkCase(c: Case, seed: number): void {
  const lead = c.lead ?? [];
  const dtype = c.dtype ?? "float32";
  const q = randomNormal(seed, [...lead, c.Hq, c.L, c.D], dtype);
  const k = randomNormal(seed + 1, [...lead, c.Hkv, c.S, c.D], dtype);
  const v = randomNormal(seed + 2, [...lead, c.Hkv, c.S, c.D], dtype);
  const arrayMask = c.mask === "array" ? randomMask(seed + 3, [c.L, c.S]) : undefined;
  const scale = c.scale ?? 1 / Math.sqrt(c.D);
  const expected = plainAttention(q, k, v, scale, c.mask === "causal" ? causalMask(c.L, c.S) : arrayMask).astype(dtype);
  bothPaths((path) => {
    const mask = c.mask === "causal" ? "causal" : arrayMask;
    const tol = dtype === "float32" ? TOL : undefined;
    expectClose(flashAttention(q, k, v, { scale: c.scale, mask }), expected, { tol, label: `${path} path` });
  });
}

const name = (c: Case) =>
  `lead[${c.lead ?? []}]_Hq${c.Hq}_Hkv${c.Hkv}_L${c.L}_S${c.S}_D${c.D}${c.mask ? `_${c.mask}` : ""}${c.scale ? `_scale${c.scale}` : ""}${c.dtype ? `_${c.dtype}` : ""}`;

describe("flashAttention against plain attention", () => {
  const cases: Case[] = [];
  // Batch ranks 0-2, grouped heads 1, 2, 4 query heads per kv head, L != S.
  for (const lead of [[], [2], [2, 3]])
    for (const [Hq, Hkv] of [[1, 1], [2, 1], [4, 1], [4, 2], [8, 2]])
      for (const mask of [undefined, "causal", "array"] as const) cases.push({ lead, Hq, Hkv, L: 5, S: 9, D: 8, mask });
  // Decode (L = 1) against caches of 1 to 2049 keys, split across threads over the keys.
  for (const S of [1, 17, 300, 2049])
    for (const [Hq, Hkv] of [[14, 2], [4, 4]]) cases.push({ Hq, Hkv, L: 1, S, D: 64, mask: "causal" });
  cases.push({ lead: [2], Hq: 4, Hkv: 1, L: 1, S: 2049, D: 64, mask: "array" });
  // Decode with 2, 3, 5 and 6 query heads per kv head: with 1, 4 and 7 above, every height
  // of the register blocks that P @ V runs in (AVX-512: up to 7 rows by D = 64).
  for (const G of [2, 3, 5, 6]) cases.push({ Hq: 2 * G, Hkv: 2, L: 1, S: 300, D: 64, mask: "causal" });
  // Decode at D = 128 and 136 with 2 and 3 query heads per kv head (Qwen3-0.6B has 2): P @ V
  // in blocks eight vectors wide under AVX-512 (at 136, eight and one).
  for (const D of [128, 136]) for (const G of [2, 3]) cases.push({ Hq: 2 * G, Hkv: 2, L: 1, S: 300, D, mask: "causal" });
  // Decode at D = 128 with 5 to 8 and 12 query heads per kv head: the scores' batched lane
  // sums (x86) for rows in half a vector (2 keys a pass, 4 for the 2 and 3 rows above, the
  // last key of S = 301 alone) and, under AVX-512, for 12 rows in a whole one.
  for (const G of [5, 6, 7, 8, 12]) cases.push({ Hq: 2 * G, Hkv: 2, L: 1, S: 301, D: 128, mask: "causal" });
  // Prefill: L = S, a prompt after a cache (L < S), and L > S without a mask.
  for (const [L, S] of [[70, 70], [33, 150], [150, 33]])
    cases.push({ Hq: 6, Hkv: 2, L, S, D: 64, mask: L > S ? undefined : "causal" }, { Hq: 6, Hkv: 2, L, S, D: 64, mask: "array" });
  // Head sizes: 8, 64, 128, and ones that are not a whole number of vectors.
  for (const D of [8, 13, 40, 128]) cases.push({ Hq: 4, Hkv: 2, L: 20, S: 37, D, mask: "causal" });
  cases.push({ Hq: 2, Hkv: 1, L: 7, S: 12, D: 16, scale: 0.3 }, { Hq: 2, Hkv: 1, L: 7, S: 12, D: 16, mask: "causal", scale: 2.5 });
  // float16 / bfloat16 inputs: converted on load, computed in float32, returned in their dtype.
  for (const dtype of ["float16", "bfloat16"] as const) {
    cases.push({ lead: [2], Hq: 4, Hkv: 2, L: 9, S: 40, D: 64, mask: "causal", dtype }, { Hq: 14, Hkv: 2, L: 1, S: 600, D: 64, dtype });
  }
  cases.forEach((c, i) => test(`flash_attention_${name(c)}`, () => checkCase(c, 100 + 10 * i)));
});

describe("flashAttention masks", () => {
  test("flash_attention_causal_L_gt_S_rows_before_the_first_key_are_zero", () => {
    // L = 6 queries over S = 4 keys: queries 0 and 1 sit at positions -2 and -1.
    const q = randomNormal(1, [2, 6, 8]), k = randomNormal(2, [1, 4, 8]), v = randomNormal(3, [1, 4, 8]);
    bothPaths(() => {
      const out = flashAttention(q, k, v, { mask: "causal" });
      expect(out.slice(":", "0:2").toArray()).toEqual(mx.zeros([2, 2, 8]).toArray());
      expectClose(out.slice(":", "2:"), plainAttention(q.slice(":", "2:"), k, v, 1 / Math.sqrt(8), causalMask(4, 4)), { tol: TOL });
    });
  });

  test("flash_attention_fully_masked_rows_are_zero_not_nan", () => {
    const [L, S] = [5, 300];
    const q = randomNormal(4, [1, 2, L, 16]), k = randomNormal(5, [1, 1, S, 16]), v = randomNormal(6, [1, 1, S, 16]);
    const m = randomMask(7, [L, S]).toTypedArray() as Float32Array;
    m.fill(-Infinity, 1 * S, 2 * S); // row 1 sees nothing
    m.fill(-Infinity, 3 * S + 1, 4 * S); // row 3 sees key 0 only
    m[3 * S] = 0;
    const mask = mx.fromTypedArray(m, [L, S]);
    const expected = plainAttention(q, k, v, 0.25, mask);
    bothPaths(() => {
      const out = flashAttention(q, k, v, { mask, scale: 0.25 });
      expect(mx.any(mx.isnan(out)).item()).toBe(false);
      expect(out.slice(":", ":", 1).toArray()).toEqual(mx.zeros([1, 2, 16]).toArray());
      expectClose(out.slice(":", ":", 3), mx.broadcastTo(v.slice(":", ":", 0).reshape([1, 1, 16]), [1, 2, 16]), { tol: TOL });
      expectClose(out, expected, { tol: TOL });
    });
  });

  test("flash_attention_mask_broadcast_shapes_and_dtypes", () => {
    // Masks of shape L x S, N.. x 1 x L x S (one per batch element) and N.. x H_q x L x S,
    // in float32 and float16.
    const q = randomNormal(8, [2, 4, 6, 32]), k = randomNormal(9, [2, 2, 10, 32]), v = randomNormal(10, [2, 2, 10, 32]);
    for (const shape of [[6, 10], [2, 1, 6, 10], [2, 4, 6, 10], [4, 1, 10]]) {
      for (const dtype of ["float32", "float16"] as const) {
        const mask = randomMask(11, shape).astype(dtype);
        const expected = plainAttention(q, k, v, 0.2, mask);
        bothPaths(() => expectClose(flashAttention(q, k, v, { mask, scale: 0.2 }), expected, { tol: TOL, label: `mask ${shape} ${dtype}` }));
      }
    }
  });

  test("flash_attention_batch_padding_masks_hide_whole_key_tiles", () => {
    // A batch decode step (BatchingKvCache): rows right-aligned, each hiding the keys
    // before its own with -inf. The kernel skips a 64-key tile that the mask hides from
    // every row of its tile; tiles only partly hidden are computed. Rows hide 0, 150
    // (two whole tiles and part of a third), 299 (all but the last key) and all 300 keys;
    // the mask is shared by the heads (N x 1 x 1 x S), or per head with 70 more hidden
    // keys on odd heads, so that one tile row is hidden and the next is not. Qwen2's heads
    // (7 a kv head: rows on the lanes) and Qwen3's (2 a kv head, D = 128: scores key by key).
    for (const [Hq, Hkv, D] of [[14, 2, 64], [4, 2, 128]]) {
      const [N, S] = [4, 300];
      const hidden = [0, 150, 299, 300];
      const q = randomNormal(30, [N, Hq, 1, D]), k = randomNormal(31, [N, Hkv, S, D]), v = randomNormal(32, [N, Hkv, S, D]);
      const shared = new Float32Array(N * S);
      hidden.forEach((h, b) => shared.fill(-Infinity, b * S, b * S + h));
      const perHead = new Float32Array(N * Hq * S);
      hidden.forEach((h, b) => {
        for (let i = 0; i < Hq; i++) perHead.fill(-Infinity, (b * Hq + i) * S, (b * Hq + i) * S + Math.min(S, h + (i % 2) * 70));
      });
      for (const mask of [mx.fromTypedArray(shared, [N, 1, 1, S]), mx.fromTypedArray(perHead, [N, Hq, 1, S])]) {
        const expected = plainAttention(q, k, v, 0.125, mask);
        bothPaths(() => expectClose(flashAttention(q, k, v, { mask, scale: 0.125 }), expected, { tol: TOL, label: `Hq ${Hq} D ${D} mask ${mask.shape}` }));
      }
    }
  });

  test("flash_attention_no_keys_gives_zeros", () => {
    const q = randomNormal(12, [2, 3, 8]);
    const out = flashAttention(q, mx.zeros([1, 0, 8]), mx.zeros([1, 0, 8]));
    expect(out.toArray()).toEqual(mx.zeros([2, 3, 8]).toArray());
  });
});

describe("flashAttention strided inputs", () => {
  test("flash_attention_kv_cache_buffer_sliced_to_S_and_transposed_query", () => {
    // A KV cache preallocated for 64 positions holding 37, sliced without a copy; the
    // query as a model makes it, B x L x H x D viewed as B x H x L x D.
    const [B, Hq, Hkv, L, S, D] = [2, 6, 2, 5, 37, 64];
    const kCache = randomNormal(13, [B, Hkv, 64, D]), vCache = randomNormal(14, [B, Hkv, 64, D]);
    const k = kCache.slice(":", ":", `0:${S}`), v = vCache.slice(":", ":", `0:${S}`);
    const q = mx.swapaxes(randomNormal(15, [B, L, Hq, D]), 1, 2);
    const expected = plainAttention(mx.contiguous(q), mx.contiguous(k), mx.contiguous(v), 1 / 8, causalMask(L, S));
    bothPaths(() => expectClose(flashAttention(q, k, v, { mask: "causal" }), expected, { tol: TOL }));
  });

  test("flash_attention_keys_with_a_non_unit_inner_stride_and_a_reversed_view", () => {
    // K stored D x S and viewed as S x D; V read backwards along S.
    const k = mx.swapaxes(randomNormal(16, [1, 2, 24, 50]), -1, -2);
    const vRev = randomNormal(17, [1, 2, 50, 24]).slice(":", ":", "::-1");
    const q = randomNormal(18, [1, 4, 3, 24]);
    const expected = plainAttention(q, mx.contiguous(k), mx.contiguous(vRev), 0.2);
    bothPaths(() => expectClose(flashAttention(q, k, vRev, { scale: 0.2 }), expected, { tol: TOL }));
  });
});

describe("flashAttention bad input", () => {
  const q = randomNormal(20, [1, 4, 3, 8]), k = randomNormal(21, [1, 2, 5, 8]), v = randomNormal(22, [1, 2, 5, 8]);
  const bad: [string, () => unknown, RegExp][] = [
    ["query not an array", () => flashAttention([[1]] as unknown as mx.array, k, v), /flashAttention: query must be an mx.array .*JS array/],
    ["integer query", () => flashAttention(q.astype("int32"), k, v), /flashAttention: query must be float32 or float16 or bfloat16, got int32 \[1,4,3,8\]/],
    ["query without heads", () => flashAttention(randomNormal(1, [3, 8]), k, v), /flashAttention: query has shape \[3,8\], expected N.. x H_q x L x D/],
    ["key of another rank", () => flashAttention(q, k.reshape([2, 5, 8]), v), /flashAttention: key has shape \[2,5,8\], expected N.. x H_kv x S x D/],
    ["key with another D", () => flashAttention(q, randomNormal(1, [1, 2, 5, 16]), v), /flashAttention: key has shape \[1,2,5,16\], expected \[1,2,5,8\]/],
    ["key with other batch dims", () => flashAttention(q, randomNormal(1, [2, 2, 5, 8]), v), /flashAttention: key has shape \[2,2,5,8\], expected \[1,2,5,8\]/],
    ["value of another length", () => flashAttention(q, k, randomNormal(1, [1, 2, 6, 8])), /flashAttention: value has shape \[1,2,6,8\], expected \[1,2,5,8\]/],
    ["heads that do not group", () => flashAttention(q, randomNormal(1, [1, 3, 5, 8]), randomNormal(2, [1, 3, 5, 8])), /flashAttention: query has 4 heads and key 3; H_q must be a multiple of H_kv/],
    ["mask that does not broadcast", () => flashAttention(q, k, v, { mask: mx.zeros([3, 4]) }), /flashAttention: opts.mask has shape \[3,4\], which does not broadcast to \[1,4,3,5\]/],
    ["mask of another kind", () => flashAttention(q, k, v, { mask: "upper" as unknown as "causal" }), /flashAttention: opts.mask must be an mx.array \("causal" or an additive float mask/],
    ["integer mask", () => flashAttention(q, k, v, { mask: mx.zeros([3, 5], "int32") }), /flashAttention: opts.mask must be float32 or float16 or bfloat16, got int32/],
    ["scale not finite", () => flashAttention(q, k, v, { scale: NaN }), /flashAttention: opts.scale must be a finite number, got NaN/],
  ];
  for (const [what, call, message] of bad) test(`flash_attention_bad_input_${what.replace(/ /g, "_")}`, () => expect(call).toThrow(message));
});
