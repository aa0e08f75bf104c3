// Moving arrays between devices, and reading them back from any device. Writing to a
// GPU is queued and returns at once; reading from one waits for the GPU, so every read
// that may meet a GPU array is async (await a.data()), and the sync ones refuse it.
import { NDArray } from "../array";
import { backendFor, type Device } from "../backend";
import type { TypedArray } from "../dtype";
import { ArrayError } from "../errors";
import { contiguousStrides } from "../layout";
import { checkArray } from "./check";
import { contiguous, item, toArray, toTypedArray } from "./convert";

/** `a` on `device`: itself when it is there, else a contiguous copy uploaded to it. */
export function toDevice(a: NDArray, device: Device): NDArray {
  checkArray("toDevice", a);
  if (a.device === device) return a;
  if (device === "cpu") {
    throw new ArrayError("toDevice", `reading an array back from the ${a.device} is asynchronous: use \`await a.toCpu()\` (shape [${a.shape.join(",")}], ${a.dtype})`);
  }
  if (a.device !== "cpu") throw new ArrayError("toDevice", `cannot move an array from the ${a.device} to the ${device} directly; go through the CPU`);
  const c = contiguous(a);
  const out = NDArray.empty(a.shape, a.dtype, device);
  if (out.size > 0) backendFor(device).upload(out.storage, out.offset * out.itemsize, hostBytes(c));
  return out;
}

/** The bytes of contiguous CPU array `a`, viewed in place. */
export function hostBytes(a: NDArray): Uint8Array {
  checkArray("hostBytes", a);
  if (a.device !== "cpu") throw new ArrayError("hostBytes", `the array (shape [${a.shape.join(",")}], ${a.dtype}) is on the ${a.device}: \`await a.toCpu()\` first`);
  if (!a.isContiguous) throw new ArrayError("hostBytes", `the array (shape [${a.shape.join(",")}], strides [${a.strides.join(",")}]) is not contiguous: mx.contiguous(a) first`);
  return new Uint8Array(a.storage as ArrayBuffer, a.offset * a.itemsize, a.nbytes);
}

/** `a` on the CPU: itself when it is there, else its elements read back into a new array. */
export async function toCpu(a: NDArray): Promise<NDArray> {
  checkArray("toCpu", a);
  if (a.device === "cpu") return a;
  const c = contiguous(a);
  const bytes = c.size > 0 ? await backendFor(a.device).download(c) : new ArrayBuffer(0);
  return new NDArray(bytes, [...a.shape], contiguousStrides(a.shape), 0, a.dtype, "cpu");
}

/** toTypedArray of `a`, on any device. */
export async function data(a: NDArray): Promise<TypedArray> {
  return toTypedArray(await toCpu(a));
}

/** item of `a`, on any device. */
export async function itemAsync(a: NDArray): Promise<number | boolean> {
  return item(await toCpu(a));
}

/** toArray of `a`, on any device. */
export async function toArrayAsync(a: NDArray): Promise<unknown> {
  return toArray(await toCpu(a));
}
