/// <reference types="@webgpu/types" />
// Setting the GPU up, once a process: Dawn's instance, an adapter (a GPU's, or Mesa's
// lavapipe on a CPU), and a device with the features and limits the kernels use.
import { ArrayError } from "../../errors";
import { GpuContext, type GpuInfo, type SubgroupMatrixConfig } from "./context";
import { loadDawn } from "./dawn";

let context: Promise<GpuContext> | undefined;

/** Options of mx.gpu.init. */
export interface GpuInitOptions {
  /** Dawn's flags (default: "backend=vulkan" on Linux, then SPEED_TOGGLES or TINY_LLM_DAWN_FLAGS's). */
  flags?: string[];
  /**
   * Whether Dawn checks every command against WebGPU's rules (default true). Checking
   * is most of Dawn's host cost per launch: an H200's host recorded a decode step of the
   * 0.5B model in 4.8-7.3 ms without it, 6.6-8.3 ms with it. Off suits code whose
   * launches are known good (the reference solutions serving, benchmarks): a command
   * that breaks a rule is then not reported and may crash the process or compute
   * garbage. Tests and a learner's kernels keep it on. Read by the first init only,
   * and ignored when `flags` or TINY_LLM_DAWN_FLAGS is given (Dawn's toggle:
   * skip_validation).
   */
  validation?: boolean;
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
const SPEED_TOGGLES = ["disable_robustness", "disable_workgroup_init"];

/**
 * Dawn toggles that let an adapter offer what it has: allow_unsafe_apis exposes Dawn's
 * experimental features, among them chromium-experimental-subgroup-matrix (a GPU's
 * matrix units: NVIDIA's tensor cores through Vulkan's cooperative matrices), and
 * vulkan_enable_f16_on_nvidia offers shader-f16 on NVIDIA's Vulkan driver, where Dawn
 * holds it back by default (an H200 has neither without them). Only kernels that ask
 * for these features use them.
 */
const FEATURE_TOGGLES = ["allow_unsafe_apis", "vulkan_enable_f16_on_nvidia"];

/**
 * Dawn toggles turned off: timestamp_quantization rounds the GPU's timestamps down to
 * multiples of 65.5 us (a browser's guard against timing attacks), which would make
 * mx.gpu.profile's kernel times of a few microseconds read 0.
 */
const EXACT_TOGGLES = ["timestamp_quantization"];

/** TINY_LLM_DAWN_FLAGS (space-separated Dawn flags) in place of the toggles; set but empty: Dawn's defaults, robust. */
function envFlags(validation: boolean): string[] {
  const env = process.env.TINY_LLM_DAWN_FLAGS;
  if (env !== undefined) return env.split(/\s+/).filter((f) => f !== "");
  return [`enable-dawn-features=${[...SPEED_TOGGLES, ...FEATURE_TOGGLES, ...(validation ? [] : ["skip_validation"])].join(",")}`, `disable-dawn-features=${EXACT_TOGGLES.join(",")}`];
}

/** The adapter's subgroup matrix shapes (Dawn's GPUAdapterInfo.subgroupMatrixConfigs, not yet in @webgpu/types). */
function subgroupMatrices(ai: GPUAdapterInfo): SubgroupMatrixConfig[] {
  const configs = (ai as GPUAdapterInfo & { subgroupMatrixConfigs?: Iterable<SubgroupMatrixConfig> }).subgroupMatrixConfigs ?? [];
  return [...configs].map(({ componentType, resultComponentType, M, N, K }) => ({ componentType, resultComponentType, M, N, K }));
}

async function createContext(opts: GpuInitOptions): Promise<GpuContext> {
  const dawn = loadDawn();
  const flags = opts.flags ?? [...(process.platform === "linux" ? ["backend=vulkan"] : []), ...envFlags(opts.validation ?? true)];
  const gpu = dawn.create(flags);
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? "high-performance" });
  if (adapter === null) {
    throw new ArrayError("gpu", `no WebGPU adapter found (Dawn flags ${JSON.stringify(flags)}). On Linux this needs a Vulkan driver: a GPU's, or Mesa's lavapipe on the CPU (Debian: apt-get install mesa-vulkan-drivers libvulkan1, Mesa 25 or later)`);
  }
  const wanted = ["subgroups", "shader-f16", "timestamp-query", "chromium-experimental-subgroup-matrix"] as GPUFeatureName[];
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
  const [sgMin, sgMax] = [ai.subgroupMinSize ?? 0, ai.subgroupMaxSize ?? 0];
  const info: GpuInfo = {
    vendor: ai.vendor, architecture: ai.architecture, device: ai.device, description: ai.description,
    features: [...device.features].sort(),
    validation: !flags.some((f) => /^enable-dawn-features=.*\bskip_validation\b/.test(f)),
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
    maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
    maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
    subgroupSizes: [sgMin, sgMax],
    subgroupSize: device.features.has("subgroups") && sgMin === sgMax ? sgMin : 0,
    subgroupMatrices: features.includes("chromium-experimental-subgroup-matrix" as GPUFeatureName) ? subgroupMatrices(ai) : [],
  };
  return new GpuContext(gpu, adapter, device, info, dawn.globals);
}

/** The context set up by initContext, or a clear error. */
export function gpuContext(): GpuContext {
  if (ready === undefined) throw new ArrayError("gpu", "the GPU is not set up: call `await mx.gpu.init()` first");
  return ready;
}
