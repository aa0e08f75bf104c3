// --device: where the model's arrays live. The GPU is set up before the model is built,
// so that its weights (moved at load, tensor by tensor) and everything it creates (KV
// caches, masks, positions, through the default device) land there.
import * as mx from "@tiny-llm/array";
import { f16MatrixUnits } from "@tiny-llm/tiny-llm-week2-ref";

import { isReference, type SolutionName } from "../solution";
import type { MainOptions } from "./args";
import type { Io } from "./chat";
import { MainError } from "./errors";

/**
 * Makes `device` the default device: for "gpu", finds the WebGPU adapter first (no
 * adapter is a MainError, exit 1, with the array library's advice) and names it on stderr.
 * Dawn checks every command of a learner's solution; a reference's launches are known
 * good, and skip the checks (most of Dawn's host cost per launch: mx.gpu.init's `validation`).
 */
export async function useDevice(device: MainOptions["device"], io: Io, solution: SolutionName): Promise<void> {
  if (device === "gpu") {
    let info: mx.gpu.GpuInfo;
    try {
      info = await mx.gpu.init({ validation: !isReference(solution) });
    } catch (e) {
      // The array library's message starts with its op, "gpu: no WebGPU adapter found ...".
      const message = (e instanceof Error ? e.message : String(e)).replace(/^gpu: /, "");
      throw new MainError(`--device gpu: ${message}; or run on the CPU with --device cpu`);
    }
    io.err(`GPU: ${[info.vendor, info.device || info.description, info.architecture].filter((s) => s !== "").join(", ")} (WebGPU${info.validation ? "" : ", validation off"})`);
  }
  mx.setDefaultDevice(device);
}

/** What --activations float16 needs: the GPU, with matrix units (f16MatrixUnits); else a MainError saying what is missing. */
export function checkMatrixUnits(device: MainOptions["device"]): void {
  if (device !== "gpu") throw new MainError("--activations float16 multiplies on a GPU's matrix units; use --device gpu, or float32 or int8 on the CPU", 2);
  const units = f16MatrixUnits();
  if ("missing" in units) throw new MainError(`--activations float16: this GPU lacks ${units.missing}; use --activations float32 or int8`);
}

/**
 * Waits until `device` has run everything queued so far (on the GPU: the weights'
 * uploads), so that the prefill's time that generation reports is the prefill's alone.
 */
export async function settle(device: MainOptions["device"]): Promise<void> {
  if (device === "gpu") await mx.gpu.synchronize();
}
