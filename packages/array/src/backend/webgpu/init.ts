/// <reference types="@webgpu/types" />
// Setting the GPU up, once a process: Dawn's instance, an adapter (a GPU's, or Mesa's
// lavapipe on a CPU), and a device with the features and limits the kernels use.
import { ArrayError } from "../../errors";
import { GpuContext, type GpuInfo } from "./context";
import { loadDawn } from "./dawn";

let context: Promise<GpuContext> | undefined;

/** Options of mx.gpu.init. */
export interface GpuInitOptions {
  /** Dawn toggles, e.g. ["backend=vulkan"] (the default on Linux). */
  flags?: string[];
  /** "high-performance" (default) or "low-power". */
  powerPreference?: GPUPowerPreference;
}

let ready: GpuContext | undefined;

/** Finds an adapter and creates the device, once; later (and concurrent) calls get the same context. */
export function initContext(opts: GpuInitOptions = {}): Promise<GpuContext> {
  context ??= createContext(opts).then(
    (c) => (ready = c),
    (e) => {
      context = undefined; // a failed set-up may be retried (after installing a driver)
      throw e;
    },
  );
  return context;
}

async function createContext(opts: GpuInitOptions): Promise<GpuContext> {
  const dawn = loadDawn();
  const flags = opts.flags ?? (process.platform === "linux" ? ["backend=vulkan"] : []);
  const gpu = dawn.create(flags);
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? "high-performance" });
  if (adapter === null) {
    throw new ArrayError("gpu", `no WebGPU adapter found (Dawn flags ${JSON.stringify(flags)}). On Linux this needs a Vulkan driver: a GPU's, or Mesa's lavapipe on the CPU (Debian: apt-get install mesa-vulkan-drivers libvulkan1, Mesa 25 or later)`);
  }
  const wanted: GPUFeatureName[] = ["subgroups", "shader-f16", "timestamp-query"];
  const features = wanted.filter((f) => adapter.features.has(f));
  const L = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: features,
    requiredLimits: {
      maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxBufferSize: L.maxBufferSize,
      maxStorageBuffersPerShaderStage: L.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: L.maxComputeWorkgroupSizeX,
    },
  });
  const ai = adapter.info;
  const info: GpuInfo = {
    vendor: ai.vendor, architecture: ai.architecture, device: ai.device, description: ai.description,
    features: [...device.features].sort(),
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
  };
  return new GpuContext(gpu, adapter, device, info, dawn.globals);
}

/** The context set up by initContext, or a clear error. */
export function gpuContext(): GpuContext {
  if (ready === undefined) throw new ArrayError("gpu", "the GPU is not set up: call `await mx.gpu.init()` first");
  return ready;
}
