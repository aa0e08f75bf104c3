// What launching a kernel costs the host, the floor under a decode step's recording
// time: a step of week 2's model launches ~300 kernels, each recorded by JavaScript
// into Dawn's command encoder, and a launch that fills a batch submits it (GpuContext).
// Each launch is timed on its own: the median of the launches that do not submit is
// the cost of recording one; those that submit cost that plus the submit, which is
// where Dawn's backend turns the batch into the driver's commands.
import * as mx from "@tiny-llm/array";

import { median, now } from "./stats";

const WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> o: array<u32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) { if (g.x < P[0]) { o[g.x] = a[g.x] + 1u; } }`;

const touch: mx.CustomKernel<Record<string, never>> = {
  name: "touch",
  implementations: {
    gpu: ([a], [o]) => mx.gpu.dispatch({ label: "touch", key: "bench touch", wgsl: WGSL, arrays: [a, o], params: new Uint32Array([a.shape[0]]), workgroups: [1] }),
  },
};

/** Microseconds of a launch's recording, and of a launch that also submits the batch. */
export interface LaunchCost {
  record: number;
  submit: number;
  /** Launches a batch holds when a full one is submitted. */
  batch: number;
  /** An elementwise op (a + a, in mx.tidy) through the array library's front end. */
  op: number;
}

/** Times `launches` launches of a trivial kernel, and as many adds of two small arrays. */
export async function launchCost(launches = 4096): Promise<LaunchCost> {
  const a = mx.zeros([64], "uint32", "gpu");
  const times: number[] = [];
  const submitting: number[] = [];
  mx.gpu.fullBatches(); // batches as a decode step's: full ones only, none sent early
  for (let i = 0; i < launches; i++) {
    const before = mx.gpu.stats().submits;
    const t = now();
    mx.tidy(() => {
      mx.runKernel(touch, [a], [{ shape: [64], dtype: "uint32" }], {});
    });
    const dt = (now() - t) * 1e6;
    (mx.gpu.stats().submits > before ? submitting : times).push(dt);
  }
  await mx.gpu.synchronize();
  const x = mx.zeros([1, 896], "float32", "gpu");
  mx.gpu.fullBatches();
  const t = now();
  for (let i = 0; i < launches; i++) mx.tidy(() => void x.add(x));
  const op = ((now() - t) * 1e6) / launches;
  await mx.gpu.synchronize();
  mx.dispose(a);
  return { record: median(times), submit: submitting.length > 0 ? median(submitting) : NaN, batch: submitting.length > 0 ? launches / submitting.length : NaN, op };
}
