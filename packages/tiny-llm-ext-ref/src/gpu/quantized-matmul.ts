// Quantized matmul on the GPU (week 2, day 3): the `gpu` implementation of the
// quantizedMatmul custom kernel, running this package's WGSL (or the learner's).
//
//   inputs [x (M x K), w (O x K*bits/32 uint32), scales, biases (O x K/groupSize)], outputs [y (M x O)]
//
// as quantized-matmul.ts checked them (unit inner strides for w, scales and biases).
// Few rows of x (decode) take quantized_matmul_decode.wgsl, which streams W once in
// 8-byte chunks; more take quantized_matmul_tiled.wgsl, which reuses each dequantized
// tile of W. The decode kernel reads W as vec2<u32>, so it takes only a W whose offset
// and row stride are multiples of 2 words (every W a checkpoint loads: K * bits / 32 is
// a multiple of 4 whenever 32 divides K); a view of W that starts or steps between
// chunks takes the tiled kernel, which reads W word by word, whatever M. The int8 decode
// kernel reads W as vec4<u32> (multiples of 4 words).
// With int8 activations (task 3) quantize_activations.wgsl rounds x first, and the int8
// kernels (quantized_matmul_decode_int8.wgsl, quantized_matmul_tiled_int8.wgsl) take the
// same two roles, multiplying bytes with dot4I8Packed. With float16 activations (task 4)
// many rows take quantized_matmul_tiled_f16.wgsl, on the GPU's matrix units (subgroup
// matrices), and few rows the float32 decode kernel.
import * as mx from "@tiny-llm/array";

import type { Activations, QuantizedMatmulParams } from "../quantized-matmul";
import { type Launch, Launches, prelude, scratch, type WgslConstants } from "./prelude";
import { ropeLaunchParams } from "./rope-pair";
import type { WgslSource } from "./wgsl-source";

/** The most rows of x the decode kernel takes (its partial sums live in registers). */
export const DECODE_MAX_ROWS = 8;
const DECODE_ROWS_PER_WORKGROUP = 4; // ROWS in quantized_matmul_decode.wgsl
const DECODE_INT8_ROWS_PER_WORKGROUP = 8; // ROWS in quantized_matmul_decode_int8.wgsl, a team of threads each

/**
 * The int8 decode kernel's team, the threads that read one row of W: one subgroup where
 * the GPU's subgroups have one size (32 on NVIDIA, 8 on lavapipe) and a workgroup of 8 of
 * them stays within WebGPU's default 256 threads; else 32 threads that sum in workgroup memory.
 */
function decodeTeam(portable: boolean): { TEAM: number; TEAM_SUBGROUP: boolean } {
  const size = mx.gpu.info().subgroupSize;
  const subgroup = !portable && size > 0 && size * DECODE_INT8_ROWS_PER_WORKGROUP <= 256;
  return subgroup ? { TEAM: size, TEAM_SUBGROUP: true } : { TEAM: 32, TEAM_SUBGROUP: false };
}
/** Chunks a thread of the int8 decode kernel loads at once (STEPS in quantized_matmul_decode_int8.wgsl). */
const DECODE_INT8_STEPS = 4;

/**
 * The teams that read one row of W in our int8 decode kernel (SPLIT; the learner's reads
 * with one): two where one team would take more than two rounds of STEPS chunks a thread
 * (a chunk: 16 bytes of codes), so that a long row (Qwen2-7B's down_proj, K = 18,944) keeps
 * twice the loads in flight, and where the GPU takes workgroups of 2 x ROWS x TEAM threads.
 */
function decodeSplit(K: number, bits: number, team: number): number {
  const chunks = (K * bits) / 128;
  const fits = 2 * DECODE_INT8_ROWS_PER_WORKGROUP * team <= mx.gpu.info().maxComputeInvocationsPerWorkgroup;
  return fits && chunks > 2 * team * DECODE_INT8_STEPS ? 2 : 1;
}

/**
 * The tiled kernel's tiles (BM x BN outputs a workgroup, BK inputs a step, TM x TN outputs
 * a thread). The large one does four times the work per value it loads into workgroup
 * memory; a prefill of 512 tokens at Qwen2-7B's shapes on an H200 ran at 580 tok/s with
 * the small one and 1,610 with the large one. Rows of x past M are computed and dropped,
 * so the large tile waits until x fills at least half of one.
 */
const SMALL_TILE = { BM: 32, BN: 32, BK: 32, TM: 4, TN: 4 };
const LARGE_TILE = { BM: 128, BN: 128, BK: 16, TM: 8, TN: 8 };
/**
 * The int8 tiled kernel's large tile (BK is that kernel's own, 32). Of eight shapes timed
 * at Qwen2-7B's prefill (512 rows; H200), 64 x 128 with 4 x 8 a thread was the fastest or
 * within 1%: 2.52 ms on gate and up merged, against 3.11 with 128 x 128.
 */
const INT8_TILE = { BM: 64, BN: 128, BK: 32, TM: 4, TN: 8 };

/** The tile for M rows of x: the large one once x fills at least half of it. */
function tileFor(M: number, int8: boolean): typeof SMALL_TILE {
  const large = int8 ? INT8_TILE : LARGE_TILE;
  return M >= large.BM / 2 ? large : SMALL_TILE;
}

/**
 * The f16 tiled kernel's tile for M rows of x and K inputs (quantized_matmul_tiled_f16.wgsl:
 * 8 subgroups of FM x 2 fragments of 16 x 16, the next step's loads in flight, each thread
 * loading 16 bytes at a time). At Qwen2-7B's prefill (512 rows, H200, GPU clock) BM = 128
 * with BK = 64 ran gate and up merged at 145-157 TFLOP/s and down_proj at 122-136, against
 * 113-117 and 95-99 with 64 x 32, 126 and 107 with 128 x 32 and 91 and 78 with 64 x 64; at
 * 200 rows 128 x 64 still led (103 and 50 against 81 and 39 with 64 x 64). Rows of x past M
 * are computed and dropped, so BM = 128 waits for more than 64 rows; at 64 rows, 64 x 64
 * beat 64 x 32 (down_proj 19 against 13 TFLOP/s).
 */
function f16Tile(M: number, K: number): { BM: number; BN: number; BK: number } {
  const BM = M > 64 ? 128 : 64;
  const BN = 128;
  const bytes = (BK: number) => (BM + BN) * (BK + 8) * 2 + 8 * 16 * 16 * 4; // xs, ws (f16) and outs (f32)
  const BK = K % 64 === 0 && bytes(64) <= mx.gpu.info().maxComputeWorkgroupStorageSize ? 64 : 32;
  return { BM, BN, BK };
}

/**
 * The subgroup size with which quantized_matmul_tiled_f16.wgsl runs on this GPU, or why
 * it cannot: it needs shader-f16, subgroups, subgroup matrices multiplying f16 16 x 16 x 16
 * into f32, and one subgroup size (its workgroup is 8 subgroups of that size).
 */
export function f16MatrixUnits(): { subgroupSize: number } | { missing: string } {
  const info = mx.gpu.info();
  const has16 = info.subgroupMatrices.some((c) => c.componentType === "f16" && c.resultComponentType === "f32" && c.M === 16 && c.N === 16 && c.K === 16);
  const [min, max] = info.subgroupSizes;
  for (const f of ["shader-f16", "subgroups"]) if (!info.features.includes(f)) return { missing: f };
  if (!has16) return { missing: "subgroup matrices of f16 16 x 16 x 16 into f32 (feature chromium-experimental-subgroup-matrix)" };
  if (min !== max || min === 0) return { missing: `one subgroup size (it has ${min} to ${max})` };
  return { subgroupSize: max };
}

/** The words of W a decode kernel reads at once: a vec2<u32> for float x, a vec4<u32> for int8 x. */
const chunkWordsFor = (activations: Activations): number => (activations === "int8" ? 4 : 2);

/**
 * Whether M rows of x times W (a KernelArray, or an array) take a decode kernel: few rows,
 * and W's offset and row stride whole chunks of that kernel.
 */
export function decodes(M: number, w: { offset: number; strides: readonly number[] }, activations: Activations): boolean {
  const chunkWords = chunkWordsFor(activations);
  return M <= DECODE_MAX_ROWS && w.offset % chunkWords === 0 && w.strides[0] % chunkWords === 0;
}

const QUANTIZE_INPUTS = 64 * 8; // per workgroup of quantize_activations.wgsl (WG x PER_THREAD)

const FILES = {
  decode: "quantized_matmul_decode",
  decodeInt8: "quantized_matmul_decode_int8",
  tiled: "quantized_matmul_tiled",
  tiledInt8: "quantized_matmul_tiled_int8",
  quantize: "quantize_activations",
  tiledF16: "quantized_matmul_tiled_f16",
} as const;

/** The kernel's `gpu` implementation over `wgsl`. */
export function quantizedMatmulGpu(wgsl: WgslSource): mx.KernelImpl<QuantizedMatmulParams> {
  type Kernel = keyof typeof FILES;
  const launches = Object.fromEntries(Object.entries(FILES).map(([k, file]) => [k, new Launches(`${wgsl.folder}/${file}`)])) as Record<Kernel, Launches>;
  /** `later(steps)`: the parameters a graph's later step takes (Dispatch.advance), where they change (RoPE's positions). */
  const run = (kernel: Kernel, launch: Launch, portable: boolean, arrays: mx.KernelArray[], params: number[] | Uint32Array, workgroups: [number, number], op = "quantizedMatmul", later?: (steps: number) => Uint32Array | null) =>
    mx.gpu.dispatch({
      label: `${op} (${FILES[kernel]}.wgsl)`,
      // Made and compiled once per key: the learner's folder and ours never share one.
      key: launch.key,
      wgsl: () => prelude(launch.constants, portable, kernel === "tiledF16" ? ["f16", "chromium_experimental_subgroup_matrix"] : []) + wgsl(FILES[kernel]),
      arrays,
      params: params instanceof Uint32Array ? params : new Uint32Array(params),
      workgroups,
      advance: later && ((steps) => {
        const p = later(steps);
        return p && { params: p, workgroups };
      }),
    });

  /** x (M x K) quantized to int8 per group (quantize_activations.wgsl): [X, (sx, sx * sum X)]. */
  const quantizeActivations = (x: mx.KernelArray, groupSize: number, bits: number, portable: boolean): [mx.KernelArray, mx.KernelArray] => {
    const [M, K] = x.shape;
    const xq = scratch([M, K / 4], "uint32");
    const xs = scratch([M, K / groupSize, 2]);
    const launch = launches.quantize.get(`${groupSize}|${bits}|${x.dtype}`, portable, () => ({ BITS: bits, GROUP: groupSize, X_DT: x.dtype }));
    run("quantize", launch, portable, [x, xq, xs], [K, x.offset, x.strides[0], x.strides[1]], [Math.ceil(K / QUANTIZE_INPUTS), M]);
    return [xq, xs];
  };

  /** The f16 tiled kernel's launch, or a clear error where this GPU (or TINY_LLM_KERNELS=portable) cannot run it. */
  const f16Launch = (id: string, constants: WgslConstants, portable: boolean): Launch => {
    wgsl(FILES.tiledF16); // a learner's stub speaks first
    const units = f16MatrixUnits();
    if ("missing" in units) throw new Error(`quantizedMatmul: float16 activations run on a GPU's matrix units, and this GPU (${mx.gpu.info().description || mx.gpu.info().device}) lacks ${units.missing}; use float32 or int8`);
    if (portable) throw new Error("quantizedMatmul: float16 activations run on subgroup matrices, which TINY_LLM_KERNELS=portable turns off; use float32 or int8");
    return launches.tiledF16.get(id, portable, () => ({ ...constants, SG: units.subgroupSize }));
  };

  return (inputs, [y, ...slots], { groupSize, bits, portable, activations, swiglu, quantized, rope }) => {
    // x given quantized (Int8Activations): inputs [xq (M x K/4), xs, w, scales, biases].
    const x = inputs[0];
    const [w, scales, biases] = quantized ? [inputs[2], inputs[3], inputs[4]] : [inputs[1], inputs[2], inputs[3]];
    const M = x.shape[0];
    const K = quantized ? 4 * x.shape[1] : x.shape[1];
    const O = w.shape[0];
    const decode = decodes(M, w, activations);
    if ((swiglu || rope) && !decode) throw new Error("quantizedMatmul: swiglu and rope run in the decode kernels only (quantizedSwiGLU and quantizedQkvRope check this first)");
    if (quantized && activations !== "int8") throw new Error("quantizedMatmul: x given quantized runs in the int8 kernels only (checkInt8Product checks this first)");
    // Compiled per bits and dtypes (the unpacking is unrolled), the tiled kernel per tile; sizes are parameters.
    const dtypes = { BITS: bits, S_DT: scales.dtype, OUT_DT: y.dtype }; // and X_DT, for the float kernels
    const id = `${bits}|${scales.dtype}|${y.dtype}`;
    const scaleStrides = [scales.offset, scales.strides[0], biases.offset, biases.strides[0]];
    /** The int8 kernels' x: as given (Int8Activations), or quantized by quantize_activations.wgsl first. */
    const int8X = (): [mx.KernelArray, mx.KernelArray] => (quantized ? [inputs[0], inputs[1]] : quantizeActivations(x, groupSize, bits, portable));

    if (decode) {
      const chunkWords = chunkWordsFor(activations);
      const wParams = [w.offset / chunkWords, w.strides[0] / chunkWords, ...scaleStrides];
      // The epilogue (the prelude's DECODE_OUTPUTS). With rope, y is q, the outputs after it
      // the key and value slots, and the inputs after W's the bias (or cos again), cos and sin.
      const tables = rope ? inputs.slice(-3) : [];
      const extra = rope ? { arrays: [...tables, ...slots], id: `|rope|${y.shape[3]}|${rope.traditional}` } : { arrays: [], id: "" };
      /** The launch's parameters, `head` and with rope RoPE's words, which a graph's later step moves (q: N x L x H_q x D; mx.gpu.graphOf). */
      const decodeParams = (head: number[]) => (rope ? ropeLaunchParams(head, rope, y, tables, slots) : { params: head, later: undefined });
      // The rope arrays bind after the kernel's own (`own`, at bindings 1..; 0 holds the parameters).
      const ropeAfter = (own: mx.KernelArray[]): WgslConstants => (rope ? { ROPE: true, ROPE_AT: own.length + 1, ROPE_D: y.shape[3], ROPE_TRADITIONAL: rope.traditional } : { ROPE: false });
      const op = swiglu ? "quantizedSwiGLU" : rope ? "quantizedQkvRope" : "quantizedMatmul";
      // O / ROWS workgroups either way: with swiglu or rope each holds ROWS / 2 of the O / 2 outputs or pairs.
      if (activations === "int8") {
        const own = [...int8X(), w, scales, biases, y];
        const team = decodeTeam(portable);
        const split = decodeSplit(K, bits, team.TEAM);
        const launch = launches.decodeInt8.get(`${id}|${groupSize}|${M}|${swiglu}${extra.id}|${split}`, portable, () => ({ ...dtypes, GROUP: groupSize, M, SWIGLU: swiglu, ...ropeAfter(own), ...team, SPLIT: split }));
        const grid = mx.gpu.foldedGrid(Math.ceil(O / DECODE_INT8_ROWS_PER_WORKGROUP));
        const { params, later } = decodeParams([K, O, ...wParams]);
        run("decodeInt8", launch, portable, [...own, ...extra.arrays], params, grid, op, later);
        return;
      }
      // Also per M (the partial sums stay in registers) and per layout of x: X_VEC4 when
      // x is contiguous along K and every chunk's values start a vec4 of words (offset and
      // row stride multiples of 4 float32 or 8 16-bit values; every buffer is whole vec4s).
      const perVec4 = x.dtype === mx.DtypeCode.float32 ? 4 : 8;
      const starts = (n: number) => n % perVec4 === 0;
      const xVec4 = x.strides[1] === 1 && starts(x.offset) && (starts(x.strides[0]) || M === 1);
      const own = [x, w, scales, biases, y];
      const launch = launches.decode.get(`${id}|${x.dtype}|${M}|${xVec4}|${swiglu}${extra.id}`, portable, () => ({ ...dtypes, X_DT: x.dtype, M, X_VEC4: xVec4, SWIGLU: swiglu, ...ropeAfter(own) }));
      const { params, later } = decodeParams([K, O, groupSize, x.offset, x.strides[0], x.strides[1], ...wParams]);
      run("decode", launch, portable, [...own, ...extra.arrays], params, mx.gpu.foldedGrid(Math.ceil(O / DECODE_ROWS_PER_WORKGROUP)), op, later);
      return;
    }

    const tile = tileFor(M, activations === "int8");
    const tileWorkgroups: [number, number] = [Math.ceil(O / tile.BN), Math.ceil(M / tile.BM)];
    const tiledParams = [M, K, O, groupSize, x.offset, x.strides[0], x.strides[1], w.offset, w.strides[0], ...scaleStrides];
    if (activations === "float16") {
      // 16-byte loads where x (float32) and W are aligned for them.
      const xVec = x.dtype === mx.DtypeCode.float32 && x.strides[1] === 1 && x.offset % 4 === 0 && x.strides[0] % 4 === 0;
      const wVec = w.offset % 4 === 0 && w.strides[0] % 4 === 0;
      const { BM, BN, BK } = f16Tile(M, K);
      const launch = f16Launch(`${id}|${x.dtype}|${BM}|${BK}|${xVec}|${wVec}`, { ...dtypes, X_DT: x.dtype, BM, BK, X_VEC: xVec, W_VEC: wVec }, portable);
      run("tiledF16", launch, portable, [x, w, scales, biases, y], tiledParams, [Math.ceil(O / BN), Math.ceil(M / BM)]);
    } else if (activations === "int8") {
      const launch = launches.tiledInt8.get(`${id}|${groupSize}|${tile.BM}`, portable, () => ({ ...dtypes, GROUP: groupSize, BM: tile.BM, BN: tile.BN, TM: tile.TM, TN: tile.TN }));
      run("tiledInt8", launch, portable, [...int8X(), w, scales, biases, y], [M, K, O, w.offset, w.strides[0], ...scaleStrides], tileWorkgroups);
    } else {
      const launch = launches.tiled.get(`${id}|${x.dtype}|${tile.BM}`, portable, () => ({ ...dtypes, X_DT: x.dtype, ...tile }));
      run("tiled", launch, portable, [x, w, scales, biases, y], tiledParams, tileWorkgroups);
    }
  };
}
