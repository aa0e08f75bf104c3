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

export class KernelCache {
  private kernels = new Map<string, Kernel>();
  private groups = new Map<string, GPUBindGroup>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
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
    let key = `${kernel.id}`;
    for (const b of buffers) key += `,${this.idOf(b)}`;
    let g = this.groups.get(key);
    if (g === undefined) {
      // Bounded: groups of buffers long gone would otherwise keep them alive.
      if (this.groups.size >= GROUPS_MAX) this.groups.clear();
      this.stats.bindGroups++;
      g = this.device.createBindGroup({
        layout: kernel.layout,
        entries: [
          { binding: 0, resource: { buffer: this.params, offset: 0, size: this.paramsBytes } },
          ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
        ],
      });
      this.groups.set(key, g);
    }
    return g;
  }

  private idOf(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextId++));
    return id;
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
