/// <reference types="@webgpu/types" />
// mx.gpu: setting up the GPU, and what an extension needs to run its own WGSL.
//
//   await mx.gpu.init();                 // finds an adapter (Vulkan, Metal, D3D12)
//   const x = mx.array([1, 2, 3]).toDevice("gpu");
//   const y = x.multiply(2);             // recorded, not yet run
//   console.log(await y.data());         // runs the batch, reads back
//
// A custom kernel's GPU implementation (extension.ts) calls mx.gpu.dispatch with its
// WGSL; its arrays' storage is bound in order after the parameters (binding 0).
import { ArrayError } from "./errors";
import type { KernelArray } from "./extension";
import { GpuStorage } from "./backend/webgpu/buffers";
import type { Advanced, Dispatch, GpuInfo, GpuStats, SubgroupMatrixConfig } from "./backend/webgpu/context";
import { type Capture, capture as captureSteps, type GpuGraph, graphOf as graphOfSteps } from "./backend/webgpu/graph";
import type { NDArray } from "./array";
import type { LaunchTime } from "./backend/webgpu/timeline";
import { gpuContext, type GpuInitOptions } from "./backend/webgpu/init";
import { initGpu } from "./backend/webgpu";

export type { Advanced, Capture, GpuGraph, GpuInfo, GpuInitOptions, GpuStats, SubgroupMatrixConfig };
export { FLOAT16 as WGSL_FLOAT16, foldedGrid, roundedTo as wgslRoundedTo } from "./backend/webgpu/wgsl";

/** Sets up the GPU once (later calls return at once) and returns what it is. */
export async function init(opts?: GpuInitOptions): Promise<GpuInfo> {
  return (await initGpu(opts)).info;
}

/** The adapter's description, features and limits (after init). */
export function info(): GpuInfo {
  return gpuContext().info;
}

/** Kernels launched, submits, read backs, uploads and bind groups made so far: what a decode step costs the host. */
export function stats(): GpuStats {
  return { ...gpuContext().stats };
}

/** GPU time of one kernel label over a profile: launches, and their seconds in all. */
export interface KernelTime {
  label: string;
  launches: number;
  seconds: number;
}

/**
 * Runs `fn` and times each kernel it launches on the GPU's own clock (timestamp queries
 * around every launch, which then runs in a compute pass of its own: a little slower).
 * Returns the GPU time per kernel label, most first. Needs the adapter's
 * "timestamp-query" feature; profiles do not nest.
 */
export async function profile(fn: () => void | Promise<void>): Promise<KernelTime[]> {
  const ctx = gpuContext();
  ctx.startTimeline("gpu.profile");
  let times: LaunchTime[];
  try {
    await fn();
  } finally {
    times = await ctx.stopTimeline();
  }
  const byLabel = new Map<string, KernelTime>();
  for (const { label, seconds } of times) {
    const k = byLabel.get(label) ?? { label, launches: 0, seconds: 0 };
    k.launches++;
    k.seconds += seconds;
    byLabel.set(label, k);
  }
  return [...byLabel.values()].sort((a, b) => b.seconds - a.seconds);
}

/**
 * Sends every kernel recorded so far to the GPU, without waiting for it to run them.
 * Kernels are otherwise submitted in batches, at a read back or when a batch is full (the
 * first batch after the GPU went idle small, each next one twice as large); a
 * decode loop calls this once a step is recorded, so that the step runs while the host
 * records the next one, at the cost of one submit a step.
 */
export function submit(): void {
  gpuContext().flush();
}

/**
 * Until the GPU next goes idle, fills every batch (up to 512 launches) before sending it,
 * instead of sending the first ones early as after an idle GPU: what a decode loop's steps
 * get, recorded while the GPU runs the step before. For timing a step alone as such a
 * loop runs it.
 */
export function fullBatches(): void {
  gpuContext().fullBatches();
}

/** Waits until the GPU has run every kernel recorded so far (for timing). */
export function synchronize(): Promise<void> {
  return gpuContext().synchronize();
}

/**
 * One launch of an extension's WGSL kernel: as GpuContext's Dispatch (context.ts), with
 * the GPU arrays as the kernel implementation received them in place of buffers; they
 * are bound at bindings 1.., in order, each as `array<u32>` (or another 32-bit type)
 * whatever its dtype. Give a `key` (the kernel's name and dtypes) so that the source is
 * made and compiled once, not hashed at every launch.
 */
export interface KernelDispatch extends Omit<Dispatch, "buffers"> {
  arrays: KernelArray[];
}

/** Records one launch into the GPU's current batch. */
export function dispatch(d: KernelDispatch): void {
  const buffers = d.arrays.map((a, i) => {
    if (!(a.data instanceof GpuStorage)) throw new ArrayError(d.label, `array ${i} is not on the GPU`);
    return a.data.buffer;
  });
  // Copied field by field: an object rest and spread took most of this function's time (an H200 host's profile).
  gpuContext().dispatch({ label: d.label, wgsl: d.wgsl, key: d.key, params: d.params, workgroups: d.workgroups, buffers, advance: d.advance });
}

/**
 * Runs `fn` (a step: its launches recorded as usual) and captures what it launched, with
 * `inputs` (GPU arrays it reads) and the arrays it returns, so that graphOf can make a
 * replayable graph of two steps captured in a row. A step that uploads host data or reads
 * an array back is captured as refused (graphOf says why).
 *
 *   const a = mx.gpu.capture([prev], () => [step(prev)]);           // at position p
 *   const b = mx.gpu.capture(a.outputs, () => [step(a.outputs[0])]); // at p + 1
 *   const graph = mx.gpu.graphOf(a.capture, b.capture);              // or why not, a string
 *   const [next] = graph.replay(b.outputs, 1) ?? record();           // the step at p + 2
 */
export function capture<T extends NDArray[]>(inputs: NDArray[], fn: () => T): { outputs: T; capture: Capture } {
  return captureSteps(gpuContext(), inputs, fn);
}

/**
 * The graph replaying `second` (captured right after `first`) at later steps, or why the
 * two steps differ in more than their launches' advances (Dispatch.advance) and their
 * inputs and outputs. The graph keeps the buffers it binds from new arrays until
 * released (GpuGraph.release).
 */
export function graphOf(first: Capture, second: Capture): GpuGraph | string {
  return graphOfSteps(gpuContext(), first, second);
}
