// The 4-bit decode kernel on the GPU: week 2's quantizedMatmul (tiny-llm-ext-ref's WGSL,
// through the function the week 2 model calls) at M = 1, at Qwen2-7B's projection
// shapes, in GB/s of packed bytes (codes + scales + biases), against the GPU's plain
// read (gpu-read.ts). Each shape rotates over copies of its weights that together are
// far larger than the GPU's L2 cache (an H200's is 50 MB), so that each call reads its
// weights from memory, as a decode step does. After the seven projections, a layer's
// seven in turn, then the four that week 2's model runs for them (q, k and v merged into
// one matrix, gate and up into another). Each row for x as it is (float32), then for x
// already quantized to int8 (Int8Activations, made once by addRmsNormInt8), as the model's
// norms and attention hand it to the products: the int8 kernel alone. Times are GPU
// times, host overhead excluded (gpu-timing.ts).
//
// Each row also times the plain read (gpu-read.ts) of as many bytes a call, over copies
// as large in all, the same way: a launch has a fixed cost of a few microseconds, so a
// read of one matrix's bytes does not reach the 1 GiB read's bandwidth either (of 7 MB,
// an eighth of it on an H200). The bar is against the 1 GiB read, as the issue sets it;
// the ratio to the read of the same bytes says how much of the gap is the kernel's.
import * as mx from "@tiny-llm/array";
import { addRmsNormInt8, type Int8Activations, int8Matmul } from "@tiny-llm/tiny-llm-ext-ref";
import { type Activations, f16MatrixUnits, quantizedMatmul, type QuantizedWeights } from "@tiny-llm/tiny-llm-week2-ref";

import { GpuRead } from "./gpu-read";
import { gpuSecondsBehind, gpuSecondsOfLaunches, type BusyWork } from "./gpu-timing";
import { GROUP, randomQuantized } from "./quantized-matmul";
import { barText, gbps, ratioText } from "./table";

/** The kernel's bar: at least this fraction of the read's bandwidth. */
export const QMM_BAR = 0.7;

interface Projection { name: string; out: number; in: number }

/** Qwen2-7B's projections, O x K (y = x @ W.T), in a layer's order. */
const PROJECTIONS: Projection[] = [
  { name: "q_proj", out: 3584, in: 3584 },
  { name: "k_proj", out: 512, in: 3584 },
  { name: "v_proj", out: 512, in: 3584 },
  { name: "o_proj", out: 3584, in: 3584 },
  { name: "gate_proj", out: 18944, in: 3584 },
  { name: "up_proj", out: 18944, in: 3584 },
  { name: "down_proj", out: 3584, in: 18944 },
];

/** The same layer as week 2's model runs it: q, k and v merged into one matrix, gate and up into another (merged-linear.ts). */
const MERGED: Projection[] = [
  { name: "qkv", out: 3584 + 2 * 512, in: 3584 },
  { name: "o_proj", out: 3584, in: 3584 },
  { name: "gate_up", out: 2 * 18944, in: 3584 },
  { name: "down_proj", out: 3584, in: 18944 },
];

export interface GpuQmmOptions {
  /** The read kernel, to keep the GPU busy while calls are recorded. */
  busy: BusyWork;
  /** The read's bytes per second, measured in this run. */
  readBandwidth: number;
  /** The copies of a shape's weights hold at least this many bytes together. */
  copyBytes: number;
  /** Bytes a measurement reads in all (calls x bytes per call). */
  timedBytes: number;
  /** Measurements per row (the median is shown). */
  rounds: number;
  /** Rows of x in the prefill rows (0: none). */
  prefillRows: number;
}

/** What the 4-bit weights can multiply on this GPU: x itself, x quantized to int8, and x rounded to float16 where the GPU has matrix units. */
export function gpuActivations(): Activations[] {
  return ["float32", "int8", ...("missing" in f16MatrixUnits() ? [] : ["float16" as const])];
}

/** x's kind in a decode row: int8 comes quantized already. */
const xText = (a: Activations) => (a === "int8" ? "int8 (given)" : a);

const packedBytes = (w: QuantizedWeights) => w.weight.nbytes + w.scales.nbytes + w.biases.nbytes;

/** `n` GPU copies of one random 4-bit O x K matrix (made once on the CPU, uploaded n times), each with a plain read of as many bytes. */
function gpuCopies(O: number, K: number, n: number): { w: QuantizedWeights; read: GpuRead }[] {
  const w = randomQuantized(O, K, 4);
  const up = (a: mx.array) => a.toDevice("gpu");
  const read = () => new GpuRead(Math.ceil(packedBytes(w) / 16) * 16);
  return Array.from({ length: n }, () => ({ w: { ...w, weight: up(w.weight), scales: up(w.scales), biases: up(w.biases) }, read: read() }));
}

/** The arguments of one call, and the plain read of as many bytes that the call is set against. */
interface Call { x: mx.array; w: QuantizedWeights; read: GpuRead }

/** One decode product, x @ W.T; with int8 activations from x quantized once (kept in `xq`), as the model's norms hand it over. */
function product({ x, w }: Call, xq: Map<mx.array, Int8Activations>): void {
  if (w.activations !== "int8") return mx.tidy(() => void quantizedMatmul(x, w));
  let q = xq.get(x);
  if (q === undefined) {
    const ones = mx.ones([x.shape[1]]).toDevice("gpu");
    [, q] = addRmsNormInt8(x, undefined, ones, 1e-6, w); // its h is x itself
    mx.dispose(ones);
    xq.set(x, q);
  }
  const x8 = q;
  mx.tidy(() => void int8Matmul(x8, w));
}

/**
 * One table row: call i of a measurement is `callOf(i)` (at least `minCalls` calls), reading
 * `bytesPerCall` bytes on average. The calls' plain reads are timed once per `shape` (the
 * same copies, whatever x), kept in `readTimes`.
 */
async function row(label: string, shape: string, callOf: (i: number) => Call, bytesPerCall: number, minCalls: number, o: GpuQmmOptions, readTimes: Map<string, number>): Promise<string[]> {
  const calls = Math.max(minCalls, Math.round(o.timedBytes / bytesPerCall));
  const xq = new Map<mx.array, Int8Activations>();
  const seconds = await gpuSecondsBehind((i) => product(callOf(i), xq), calls, o.busy, o.rounds);
  for (const q of xq.values()) for (const a of [q.xq, q.xs]) mx.dispose(a);
  let readSeconds = readTimes.get(shape);
  if (readSeconds === undefined) readTimes.set(shape, (readSeconds = await gpuSecondsBehind((i) => callOf(i).read.record(), calls, o.busy, o.rounds)));
  const ratio = bytesPerCall / seconds / o.readBandwidth;
  const us = (s: number) => `${(s * 1e6).toFixed(1)} us`;
  return [label, shape, gbps(bytesPerCall, seconds), us(seconds), ratioText(ratio), us(readSeconds), ratioText(readSeconds / seconds), barText(ratio, QMM_BAR)];
}

/** `row`, or a row naming its error (a kernel not written yet): the other rows still run. */
async function rowOrError(label: string, shape: string, measure: () => Promise<string[]>): Promise<string[]> {
  try {
    return await measure();
  } catch (e) {
    return [label, shape, `error: ${(e as Error).message.split("\n")[0]}`];
  }
}

/**
 * The rows of the table: case, shape, GB/s, GPU time per call, ratio to the read, GPU time
 * of a read of the same bytes, ratio to that read, bar.
 * For x as it is, then x quantized to int8 (QuantizedWeights.activations): one row per
 * projection, then a layer's seven in turn. Then the merged layer's products at a prefill
 * (`prefillRows` rows of x, compute-bound: TFLOP/s, no bar; on the GPU's clock where it
 * has timestamps), also with x rounded to float16 on a GPU with matrix units.
 */
export async function benchGpuQuantizedMatmul(o: GpuQmmOptions): Promise<string[][]> {
  const xOf = new Map<number, mx.array>();
  const copiesOf = new Map<string, ReturnType<typeof gpuCopies>>();
  const readTimes = new Map<string, number>();
  /** Projection p's call on copy j (inputs and copies made on first use). */
  const call = (p: Projection, j: number, activations: Activations): Call => {
    let x = xOf.get(p.in);
    if (x === undefined) xOf.set(p.in, (x = mx.random.normal([1, p.in], { key: mx.random.key(p.in) }).toDevice("gpu")));
    const key = `${p.out}x${p.in}`;
    let ws = copiesOf.get(key);
    if (ws === undefined) {
      const one = (p.out * p.in) / 2 + (2 * 2 * p.out * p.in) / GROUP; // codes + bf16 scales and biases
      copiesOf.set(key, (ws = gpuCopies(p.out, p.in, Math.max(1, Math.ceil(o.copyBytes / one)))));
    }
    const copy = ws[j % ws.length];
    return { x, w: { ...copy.w, activations }, read: copy.read };
  };
  const rows: string[][] = [];
  /** A layer's projections in turn, one call each. */
  const layer = (label: string, ps: Projection[], activations: Activations) => {
    const n = ps.length;
    const bytes = ps.reduce((sum, p) => sum + packedBytes(call(p, 0, activations).w), 0);
    const shape = `1 x ${n} projections`;
    return rowOrError(label, shape, () => row(label, shape, (i) => call(ps[i % n], Math.floor(i / n), activations), bytes / n, n, o, readTimes));
  };
  for (const activations of ["float32", "int8"] as const) {
    for (const p of PROJECTIONS) {
      const label = `7B ${p.name} 4-bit g${GROUP}, M = 1, x ${xText(activations)}`;
      const shape = `1 x ${p.out} x ${p.in}`;
      rows.push(await rowOrError(label, shape, () => row(label, shape, (i) => call(p, i, activations), packedBytes(call(p, 0, activations).w), 1, o, readTimes)));
    }
    rows.push(await layer(`7B layer: the ${PROJECTIONS.length} in turn, x ${xText(activations)}`, PROJECTIONS, activations));
    rows.push(await layer(`7B layer as week 2's model merges it (${MERGED.map((p) => p.name).join(", ")}), x ${xText(activations)}`, MERGED, activations));
  }
  const M = o.prefillRows;
  if (M === 0) return rows;
  const x = new Map(MERGED.map((p) => [p.in, mx.random.normal([M, p.in], { key: mx.random.key(p.in) }).toDevice("gpu")]));
  for (const activations of gpuActivations()) {
    for (const p of MERGED) {
      const label = `7B ${p.name} 4-bit g${GROUP}, M = ${M}, x ${activations}`;
      const shape = `${M} x ${p.out} x ${p.in}`;
      rows.push(await rowOrError(label, shape, async () => {
        const { w } = call(p, 0, activations);
        // Calls of a millisecond or more: behind the read, the subtraction's noise can exceed them.
        const seconds = await gpuSecondsOfLaunches(() => mx.tidy(() => void quantizedMatmul(x.get(p.in)!, w)), 4, "quantizedMatmul", o.busy, o.rounds);
        return [label, shape, `${((2 * M * p.out * p.in) / seconds / 1e12).toFixed(1)} TFLOP/s`, `${(seconds * 1e3).toFixed(2)} ms`, "-", "-", "-", "-"];
      }));
    }
  }
  return rows;
}
