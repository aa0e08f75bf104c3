// The array suite runs once per device. A test body is written once, inside
// describeDevices, and jest runs it on the CPU and again on the GPU:
//
//   describeDevices("array_elementwise hand-written", () => {
//     test("array_elementwise_add", async () => {
//       const a = mx.array([1, 2]);                       // on the block's device
//       expect(await a.add(1).toArrayAsync()).toEqual([2, 3]);
//     });
//   });
//
// gives "array_elementwise hand-written on cpu > array_elementwise_add" and the same
// on gpu (`-k gpu` selects the GPU's). Inside a block the default device is that
// block's, so creation ops (mx.array, zeros, arange, random ...) make their arrays
// there; reads are the async ones, which work on every device. Tests about the CPU
// alone (fromBuffer views, hostBytes, the CPU's buffer pool, JavaScript kernels)
// stay outside describeDevices; tests of what only the GPU has go in describeGpu.
//
// The GPU block sets the GPU up with mx.gpu.init: with no adapter (no Vulkan driver)
// its tests fail with the library's message saying what to install; they never skip.
import * as mx from "@tiny-llm/array";
import { expectClose, type Tolerance } from "../../tests/helpers/compare";
import type { RawTensor } from "../../tests/helpers/safetensors";

/**
 * The devices describeDevices runs on: TINY_LLM_ARRAY_DEVICES (comma-separated), else
 * both. The test driver's arm64 stage sets it to `cpu`: under qemu there is no GPU,
 * and the x86 run has already tested the GPU.
 */
export const DEVICES: mx.Device[] = parseDevices(process.env.TINY_LLM_ARRAY_DEVICES ?? "cpu,gpu");

function parseDevices(list: string): mx.Device[] {
  const devices = list.split(",").map((d) => d.trim());
  for (const d of devices) {
    if (d !== "cpu" && d !== "gpu") throw new Error(`TINY_LLM_ARRAY_DEVICES: unknown device "${d}" (expected cpu and/or gpu)`);
  }
  return devices as mx.Device[];
}

/** Makes `device` the default device, setting the GPU up first when it is the GPU. */
export async function useDevice(device: mx.Device): Promise<void> {
  if (device === "gpu") await mx.gpu.init();
  mx.setDefaultDevice(device);
}

// A test's time limit in a file of the array suite that runs on the GPU: on a software
// GPU (Mesa's lavapipe, CI's) a kernel's first use compiles its shader, and one such test
// (add_rms_norm in bfloat16) passed jest's 5 s in a CI run on a loaded 2-core machine.
// jest reads the limit once per file, so the file's CPU tests get it too.
if (DEVICES.includes("gpu")) jest.setTimeout(60_000);

/**
 * Declares the tests of `body` once per device, in `describe("<name> on <device>")`
 * blocks whose tests run with that device as the default device (back to the CPU
 * after the block). `body` gets the device, for the few lines that differ.
 */
export function describeDevices(name: string, body: (device: mx.Device) => void, devices: readonly mx.Device[] = DEVICES): void {
  for (const device of devices) {
    describe(`${name} on ${device}`, () => {
      beforeAll(() => useDevice(device));
      afterAll(() => mx.setDefaultDevice("cpu"));
      body(device);
    });
  }
}

/** describeDevices on the GPU alone, for what only the GPU has (nothing where DEVICES lacks it). */
export function describeGpu(name: string, body: () => void): void {
  describeDevices(name, body, DEVICES.filter((d) => d === "gpu"));
}

/**
 * expectClose (tests/helpers/compare.ts) for an array on any device: it is read back
 * to the CPU first, and so is `expected` when it is an array.
 */
export async function expectCloseOnCpu(
  actual: mx.array,
  expected: RawTensor | mx.array,
  opts: { tol?: Partial<Tolerance>; label?: string } = {},
): Promise<void> {
  const exp = expected instanceof mx.NDArray ? await expected.toCpu() : expected;
  expectClose(await actual.toCpu(), exp, opts);
}

/**
 * Records `n` launches on GPU array x (x + 1 each, x released), returning the last result
 * and the launches in each batch submitted meanwhile (mx.gpu.stats): how a test sees where
 * the GPU context sends its batches.
 */
export function addOnes(x: mx.array, n: number): { x: mx.array; batches: number[] } {
  const batches: number[] = [];
  let submits = mx.gpu.stats().submits, launches = 0;
  for (let i = 0; i < n; i++) {
    const y = x.add(1);
    mx.dispose(x);
    x = y;
    launches++;
    if (mx.gpu.stats().submits !== submits) {
      batches.push(launches);
      launches = 0;
      submits = mx.gpu.stats().submits;
    }
  }
  return { x, batches };
}
