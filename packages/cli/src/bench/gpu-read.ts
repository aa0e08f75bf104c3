// The GPU's plain read, the reference of memory-bound GPU kernels: a WGSL kernel in which
// each thread reads vec4<u32> words of a buffer (grid-stride, so that neighbouring threads
// read neighbouring words) and folds them into one value, and each workgroup writes one
// word. Run through the public custom-kernel API (mx.runKernel + mx.gpu.dispatch), as an
// extension's kernels are.
import * as mx from "@tiny-llm/array";

import { gpuSecondsPerCall } from "./gpu-timing";

const THREADS = 256;
/** vec4 words each thread reads (at least): enough loads in flight per thread. */
const WORDS_PER_THREAD = 16;

const WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;           // [vec4 words in src]
@group(0) @binding(1) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;    // one word per workgroup
var<workgroup> partial: array<u32, ${THREADS}>;

@compute @workgroup_size(${THREADS})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let n = P[0];
  let stride = groups.x * ${THREADS}u;
  var acc = vec4<u32>(0u);
  for (var i = gid.x; i < n; i += stride) { acc += src[i]; }
  partial[lid] = acc.x ^ acc.y ^ acc.z ^ acc.w;
  workgroupBarrier();
  for (var s = ${THREADS / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] ^= partial[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[wid.x] = partial[0]; }
}`;

const readKernel: mx.CustomKernel<{ words: number; groups: number }> = {
  name: "gpuRead",
  implementations: {
    gpu: ([src], [out], { words, groups }) =>
      mx.gpu.dispatch({ label: "gpuRead", wgsl: WGSL, arrays: [src, out], params: new Uint32Array([words]), workgroups: [groups] }),
  },
};

/** A GPU buffer of `bytes` bytes (a multiple of 16) and the kernel that reads it all once. */
export class GpuRead {
  private readonly src: mx.array;
  private readonly groups: number;

  constructor(readonly bytes: number) {
    const words = bytes / 16;
    // Not zeros: a GPU may compress or skip pages that were never written.
    this.src = mx.full([bytes / 4], 0x01020304, "uint32", "gpu");
    this.groups = Math.min(65535, Math.max(1, Math.ceil(words / (THREADS * WORDS_PER_THREAD))));
  }

  /** Records one read of the whole buffer. */
  record(): void {
    const [out] = mx.runKernel(readKernel, [this.src], [{ shape: [this.groups], dtype: "uint32" }], { words: this.bytes / 16, groups: this.groups });
    mx.dispose(out);
  }

  /** Bytes per second of the read: the median of `rounds` rounds of `calls` reads each, after a warm-up. */
  async bandwidth(calls: number, rounds = 5): Promise<number> {
    return this.bytes / (await gpuSecondsPerCall(() => this.record(), calls, rounds));
  }

  /** Frees the buffer. */
  dispose(): void {
    mx.dispose(this.src);
  }
}
