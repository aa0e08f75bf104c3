// Linear layers that read the same input, merged into one: q, k and v of attention, gate
// and up of the MLP. [W_1; W_2; ...] stacks the weights' rows, so x @ [W_1; W_2]^T is
// [x @ W_1^T, x @ W_2^T] side by side, and one kernel call reads all of them instead of
// one call each (vLLM's QKVParallelLinear and MergedColumnParallelLinear). A decode step
// calls the kernels once per layer and projection; at 0.5B shapes each call is so small
// that its fixed cost rivals the time to read its weights.
import * as mx from "@tiny-llm/array";
import { ArgumentError } from "@tiny-llm/tiny-llm-week1-ref";
import type { QuantizedWeights } from "@tiny-llm/tiny-llm-ext-ref";
import type { LinearWeight } from "./quantized-linear";

/**
 * The weights W_1 .. W_n (O_i x I each, all plain or all quantized alike) as one
 * (O_1 + .. + O_n) x I weight; the outputs of x @ W^T are then split with splitOutputs.
 */
export function mergeLinearWeights(name: string, weights: LinearWeight[]): LinearWeight {
  const first = weights[0];
  if (first instanceof mx.NDArray) {
    if (!weights.every((w) => w instanceof mx.NDArray)) throw new ArgumentError(name, "cannot merge plain and quantized weights");
    return mx.concatenate(weights as mx.array[], 0);
  }
  const alike = (w: LinearWeight): w is QuantizedWeights =>
    !(w instanceof mx.NDArray) && w.bits === first.bits && w.groupSize === first.groupSize && w.activations === first.activations;
  const quantized = weights.filter(alike);
  if (quantized.length !== weights.length) throw new ArgumentError(name, `cannot merge weights quantized differently (all must be ${first.bits}-bit, group ${first.groupSize}, activations ${first.activations ?? "float32"})`);
  const rows = (pick: (w: QuantizedWeights) => mx.array) => mx.concatenate(quantized.map(pick), 0);
  return { weight: rows((w) => w.weight), scales: rows((w) => w.scales), biases: rows((w) => w.biases), groupSize: first.groupSize, bits: first.bits, activations: first.activations };
}

/** y: N.. x (O_1 + .. + O_n)  ->  views N.. x O_i, one per merged weight. */
export function splitOutputs(y: mx.array, sizes: number[]): mx.array[] {
  let start = 0;
  return sizes.map((n) => y.slice("...", `${start}:${(start += n)}`));
}
