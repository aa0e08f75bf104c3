// The custom-kernel API: how another package (tiny-llm-ext-ref, tiny-llm-ext) adds
// kernels to @tiny-llm/array without editing it. Arrays in, arrays out:
//
//   const quantizedMatmulKernel: mx.CustomKernel<{ groupSize: number; bits: number }> = {
//     name: "quantizedMatmul",
//     implementations: { cpu: (inputs, outputs, params) => addon.quantizedMatmul(inputs, outputs, params) },
//   };
//   const [y] = mx.runKernel(quantizedMatmulKernel, [x, w, scales, biases], [{ shape: [M, O], dtype: "float32" }], { groupSize: 64, bits: 4 });
//
// runKernel checks nothing op-specific (the extension's TypeScript does, before it
// calls), allocates the outputs uninitialised on the inputs' device, and hands the
// device's implementation every array as a KernelArray: its storage, first element,
// dtype code, shape and strides, so that native code never guesses a layout.
// A C++ implementation reads them with tl::array_args (tiny-llm/napi_args.h); on the
// CPU each list also carries its arrays' layouts packed for it (`layouts`, backend/cpu.ts).
import { NDArray } from "./array";
import { backendFor, type Device, type Storage } from "./backend";
import type { DtypeCode } from "./backend/codes";
import { native } from "./backend/native";
import { Dtype } from "./dtype";
import { ArrayError, fmtShape } from "./errors";
import { checkArray } from "./ops/check";
import { checkDtype } from "./ops/convert";
import { sameDevice } from "./ops/elementwise";

/**
 * An array as a kernel sees it. Element (i0, i1, ...) is element
 * `offset + i0*strides[0] + i1*strides[1] + ...` of `data`, counted in elements of
 * `dtype` (strides may be 0 for broadcast dims, or negative). On the CPU `data` is
 * the ArrayBuffer; on the GPU the backend's storage, which mx.gpu.dispatch binds.
 */
export interface KernelArray {
  data: Storage;
  offset: number;
  dtype: DtypeCode;
  shape: readonly number[];
  strides: readonly number[];
}

/**
 * A kernel's implementation on one device: reads `inputs`, writes every element of
 * `outputs` (freshly allocated, contiguous and uninitialised, or arrays the caller gave
 * to be written in place, through their strides), runs to completion.
 */
export type KernelImpl<P> = (inputs: KernelArray[], outputs: KernelArray[], params: P) => void;

/** A kernel: its name (for errors) and an implementation per device it runs on. */
export interface CustomKernel<P> {
  name: string;
  implementations: Partial<Record<Device, KernelImpl<P>>>;
}

/** The shape and dtype of one output of a kernel. */
export interface OutputSpec {
  shape: readonly number[];
  dtype: Dtype;
}

/**
 * Runs `kernel` on `inputs` (all on one device) and returns its outputs, allocated
 * as `outputs` describes on that device. `params` goes to the implementation as is.
 * When every output is empty the implementation is not called.
 *
 * An output given as an array (on the same device) is written in place and returned
 * as is: a view of a larger array, such as the slots of a KV cache that the next tokens
 * take, gets its elements written through its strides and the rest of its storage
 * is left alone. Such an array shares its storage with no input and no other output (a
 * GPU launch either reads a buffer or writes it).
 */
export function runKernel<P>(kernel: CustomKernel<P>, inputs: NDArray[], outputs: (OutputSpec | NDArray)[], params: P): NDArray[] {
  const name = kernel.name;
  if (inputs.length === 0) throw new ArrayError(name, "a custom kernel needs at least one input array");
  inputs.forEach((a, i) => checkArray(name, a, `an array as input ${i}`));
  const device = sameDevice(name, ...inputs);
  const impl = kernel.implementations[device];
  if (impl === undefined) {
    const has = Object.keys(kernel.implementations).join(", ") || "none";
    throw new ArrayError(name, `has no implementation for device "${device}" (it has: ${has})`);
  }
  const outs = outputs.map((o, i) => {
    if (o instanceof NDArray) return writtenInPlace(name, o, i, device, inputs, outputs);
    checkDtype(name, o.dtype);
    if (!o.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ArrayError(name, `bad output shape ${fmtShape(o.shape)}`);
    return NDArray.empty(o.shape, o.dtype, device);
  });
  if (outs.some((o) => o.size > 0)) backendFor(device).customKernel(impl, inputs, outs, params);
  return outs;
}

/** Output `i`, an array given to be written in place, once it is checked to be writable here. */
function writtenInPlace(name: string, a: NDArray, i: number, device: Device, inputs: NDArray[], outputs: (OutputSpec | NDArray)[]): NDArray {
  checkArray(name, a, `an array as output ${i}`);
  if (a.device !== device) throw new ArrayError(name, `output ${i} is on the ${a.device}, the inputs on the ${device}`);
  const shared = [...inputs, ...outputs.filter((o, j): o is NDArray => j !== i && o instanceof NDArray)].some((b) => b.storage === a.storage);
  if (shared) throw new ArrayError(name, `output ${i}, written in place, shares its storage with another input or output of the kernel`);
  return a;
}

/**
 * Loads a native extension (a node-addon-api addon built against the array core's
 * headers, native/include/tiny-llm) and attaches it to the array core, so that its
 * kernels share the core's thread pool and GEMM. Call once per addon; returns its exports.
 */
export function loadNativeExtension<T>(file: string, packageName: string): T {
  let mod: T & { __tinyLlmAttach?: (core: unknown) => void };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(file);
  } catch (e) {
    throw new Error(`${packageName}: the native addon ${file} could not be loaded (${(e as Error).message}). Build it with \`pnpm install\` (needs a C++ compiler and python3 for node-gyp).`);
  }
  if (typeof mod.__tinyLlmAttach !== "function") {
    throw new Error(`${packageName}: ${file} is not a tiny-llm extension (it does not call tl::register_extension in its Init)`);
  }
  mod.__tinyLlmAttach(native.coreApi());
  return mod;
}
