/// <reference types="@webgpu/types" />
// Compiled kernels and their bind groups, cached: recording a dispatch is host work
// that a decode step pays hundreds of times, so nothing that can be reused is made
// twice. A kernel is compiled once per key; its bind group layout is read off its WGSL
// (so a binding a kernel declares but does not use is still allowed); the parameters
// binding takes a dynamic offset into the arena, so one bind group serves every
// dispatch over the same buffers.
import { ArrayError } from "../../errors";
import type { GpuStats } from "./context";

/** A compiled kernel. */
export interface Kernel {
  id: number;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

const BINDING = /@(group|binding)\((\d+)\)\s*@(group|binding)\((\d+)\)\s*var<storage\s*,\s*(read_write|read)\s*>/g;
const COMPUTE = 4; // GPUShaderStage.COMPUTE
const GROUPS_MAX = 8192;

/** A node of a kernel's bind-group trie: the group over the buffers on the path to it, if made. */
interface GroupNode {
  group?: GPUBindGroup;
  next: Map<GPUBuffer, GroupNode>;
}

export class KernelCache {
  private kernels = new Map<string, Kernel>();
  /** Per kernel id, a trie of its bind groups by buffer (no string key to build and hash per launch). */
  private groups = new Map<number, GroupNode>();
  private groupCount = 0;
  private nextId = 1;

  /** `params` is bound at binding 0 as `paramsBytes` bytes from a dynamic offset; `stats.bindGroups` counts the groups made. */
  constructor(private device: GPUDevice, private params: GPUBuffer, private paramsBytes: number, private stats: GpuStats) {}

  /** The kernel of `key`, compiled from `wgsl` (a string, or a function giving it) the first time. */
  kernel(label: string, key: string, wgsl: string | (() => string)): Kernel {
    let k = this.kernels.get(key);
    if (k === undefined) {
      k = this.compile(label, typeof wgsl === "string" ? wgsl : wgsl());
      this.kernels.set(key, k);
    }
    return k;
  }

  /** The bind group of `kernel` over `buffers` (bindings 1..), the parameters at binding 0. */
  bindGroup(kernel: Kernel, buffers: GPUBuffer[]): GPUBindGroup {
    let node: GroupNode | undefined = this.groups.get(kernel.id);
    if (node === undefined) this.groups.set(kernel.id, (node = { next: new Map() }));
    for (const b of buffers) {
      let n: GroupNode | undefined = node.next.get(b);
      if (n === undefined) node.next.set(b, (n = { next: new Map() }));
      node = n;
    }
    if (node.group === undefined) {
      // Bounded: groups of buffers long gone would otherwise keep them alive.
      if (this.groupCount >= GROUPS_MAX) {
        this.groups.clear();
        this.groupCount = 0;
        return this.bindGroup(kernel, buffers);
      }
      this.groupCount++;
      this.stats.bindGroups++;
      node.group = this.device.createBindGroup({
        layout: kernel.layout,
        entries: [
          { binding: 0, resource: { buffer: this.params, offset: 0, size: this.paramsBytes } },
          ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
        ],
      });
    }
    return node.group;
  }

  private compile(label: string, wgsl: string): Kernel {
    const entries: GPUBindGroupLayoutEntry[] = [];
    for (const m of wgsl.matchAll(BINDING)) {
      const group = m[1] === "group" ? m[2] : m[4];
      if (group !== "0") continue;
      const binding = Number(m[1] === "binding" ? m[2] : m[4]);
      const type = m[5] === "read" ? "read-only-storage" : "storage";
      entries.push({ binding, visibility: COMPUTE, buffer: { type, hasDynamicOffset: binding === 0 } });
    }
    if (!entries.some((e) => e.binding === 0 && e.buffer?.type === "read-only-storage")) {
      throw new ArrayError(label, "a kernel's binding 0 must be its parameters, `@group(0) @binding(0) var<storage, read> P: ...`");
    }
    const layout = this.device.createBindGroupLayout({ entries, label });
    const module = this.device.createShaderModule({ code: wgsl, label });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: "main" },
      label,
    });
    return { id: this.nextId++, pipeline, layout };
  }
}
