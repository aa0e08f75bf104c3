/// <reference types="@webgpu/types" />
// Setting the GPU up, once a process: Dawn's instance, an adapter (a GPU's, or Mesa's
// lavapipe on a CPU), and a device with the features and limits the kernels use.
import { ArrayError } from "../../errors";
import { GpuContext, type GpuInfo } from "./context";
import { loadDawn } from "./dawn";

let context: Promise<GpuContext> | undefined;

/** Options of mx.gpu.init. */
export interface GpuInitOptions {
  /** Dawn's flags (default: "backend=vulkan" on Linux, then SPEED_FLAGS or TINY_LLM_DAWN_FLAGS's). */
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

/**
 * Dawn toggles that make kernels faster, on unless TINY_LLM_DAWN_FLAGS says otherwise:
 * disable_robustness drops the bounds clamp Dawn adds to every buffer access of a
 * shader (the kernels stay within their arrays, and the tests run them this way);
 * disable_workgroup_init drops the zeroing of workgroup memory when a workgroup starts
 * (every kernel writes its tiles before it reads them). The tiled kernels of a prefill
 * gain most (book: week2-03-quantized-matmul-gpu.md).
 */
const SPEED_FLAGS = ["enable-dawn-features=disable_robustness,disable_workgroup_init"];

/** TINY_LLM_DAWN_FLAGS (space-separated Dawn flags) in place of SPEED_FLAGS; set but empty: Dawn's defaults, robust. */
function envFlags(): string[] {
  const env = process.env.TINY_LLM_DAWN_FLAGS;
  return env === undefined ? SPEED_FLAGS : env.split(/\s+/).filter((f) => f !== "");
}

async function createContext(opts: GpuInitOptions): Promise<GpuContext> {
  const dawn = loadDawn();
  const flags = opts.flags ?? [...(process.platform === "linux" ? ["backend=vulkan"] : []), ...envFlags()];
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
