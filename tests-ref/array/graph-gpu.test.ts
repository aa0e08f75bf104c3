// Graphs (mx.gpu.capture, mx.gpu.graphOf): a step captured twice in a row is replayed at
// later steps, each launch with the parameters its `advance` gives for that step; the
// outputs equal what recording the steps gives; steps that differ otherwise, upload host
// data or cannot be advanced are refused; the graph's buffers stay out of new arrays
// until it is released.
import * as mx from "@tiny-llm/array";

import { describeGpu } from "./device";

/** Y[i] = X[offset + i] + k, over u32 words: P = [n, k, offset]. */
const ADD_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= P[0]) { return; }
  Y[id.x] = X[P[2] + id.x] + P[1];
}`;

/**
 * x + k, k being the step's position; with `advance`, the launch says how k moves on (up
 * to `reach` steps: past it, the launch cannot be advanced).
 */
function addKernel(advance: boolean, reach = Infinity): mx.CustomKernel<{ k: number }> {
  return {
    name: "addAt",
    implementations: {
      gpu: ([x], [y], { k }) => {
        const params = (at: number) => new Uint32Array([x.shape[0], at, x.offset]);
        mx.gpu.dispatch({
          label: "addAt", wgsl: ADD_WGSL, arrays: [x, y], params: params(k), workgroups: [1],
          advance: advance ? (steps) => (steps <= reach ? { params: params(k + steps), workgroups: [1] } : null) : undefined,
        });
      },
    },
  };
}

/** The step at position p: 2 (x + p), the sum by the kernel, the doubling by the library's own op. */
function step(kernel: mx.CustomKernel<{ k: number }>, x: mx.array, p: number): mx.array {
  return mx.tidy(() => {
    const [y] = mx.runKernel(kernel, [x], [{ shape: x.shape, dtype: "int32" }], { k: p });
    return y.add(y);
  });
}

const X0 = [1, 2, 3];
/** The values after steps 0 .. n - 1 from X0, on the CPU. */
const expected = (n: number) => {
  let x = X0;
  for (let p = 0; p < n; p++) x = x.map((v) => 2 * (v + p));
  return x;
};

/** Steps 0 and 1 captured from X0. */
function twoSteps(kernel: mx.CustomKernel<{ k: number }>) {
  const x0 = mx.array(X0, "int32");
  const a = mx.gpu.capture([x0], () => [step(kernel, x0, 0)]);
  const b = mx.gpu.capture(a.outputs, () => [step(kernel, a.outputs[0], 1)]);
  return { a, b };
}

const bufferOf = (a: mx.array) => (a.storage as unknown as { buffer: GPUBuffer }).buffer;

describeGpu("array_gpu_graph", () => {
  test("array_gpu_graph_replays_later_steps_as_recording_them", async () => {
    const { a, b } = twoSteps(addKernel(true));
    const graph = mx.gpu.graphOf(a.capture, b.capture);
    if (typeof graph === "string") throw new Error(graph);
    expect(graph.launches).toBe(2);
    const c = graph.replay(b.outputs, 1)!; // step 2
    const d = graph.replay(c, 2)!; // step 3
    const e = graph.replay(d, 5)!; // step 6, from step 3's output (positions need not follow)
    // Each replay's output is an array of its own: the replays after it leave it as it was.
    expect(await b.outputs[0].toArrayAsync()).toEqual(expected(2));
    expect(await c[0].toArrayAsync()).toEqual(expected(3));
    expect(await d[0].toArrayAsync()).toEqual(expected(4));
    expect(await e[0].toArrayAsync()).toEqual(expected(4).map((v) => 2 * (v + 6)));
    graph.release();
    expect(() => graph.replay(d, 1)).toThrow(/^GpuGraph\.replay: the graph was released$/);
  });

  test("array_gpu_graph_replays_a_step_that_updates_its_input_in_place", async () => {
    // The step writes 2 (x + p) back into x (mx.assign): its input and output are one buffer.
    const kernel = addKernel(true);
    const inPlace = (x: mx.array, p: number) => {
      mx.tidy(() => mx.assign(x, step(kernel, x, p))); // the sum's buffer released, as a step's intermediates are
      return x;
    };
    const x = mx.array(X0, "int32");
    const [a, b] = [0, 1].map((p) => mx.gpu.capture([x], () => [inPlace(x, p)]));
    const graph = mx.gpu.graphOf(a.capture, b.capture);
    if (typeof graph === "string") throw new Error(graph);
    const [c] = graph.replay([x], 1)!;
    expect(await c.toArrayAsync()).toEqual(expected(3));
    expect(await x.toArrayAsync()).toEqual(expected(2)); // the replay's copy of x, not x, was written
    graph.release();
  });

  test("array_gpu_graph_refuses_steps_that_differ", () => {
    // Parameters that change without an advance.
    const plain = twoSteps(addKernel(false));
    expect(mx.gpu.graphOf(plain.a.capture, plain.b.capture)).toBe("launch 0 (addAt) has other parameters than the step before (and no advance)");
    // Another number of launches.
    const kernel = addKernel(true);
    const x0 = mx.array(X0, "int32");
    const one = mx.gpu.capture([x0], () => [step(kernel, x0, 0)]);
    const two = mx.gpu.capture(one.outputs, () => [step(kernel, step(kernel, one.outputs[0], 1), 1)]);
    expect(mx.gpu.graphOf(one.capture, two.capture)).toBe("the steps launched 2 and 4 kernels");
    // A step that uploads host data.
    const up = mx.gpu.capture([x0], () => [mx.array([7, 8, 9], "int32").add(x0)]);
    expect(mx.gpu.graphOf(up.capture, up.capture)).toMatch(/^the step cannot be replayed: it writes host data into a GPU buffer \(an upload\)/);
  });

  test("array_gpu_graph_replay_checks_inputs_and_reach", () => {
    const { a, b } = twoSteps(addKernel(true, 2));
    const graph = mx.gpu.graphOf(a.capture, b.capture);
    if (typeof graph === "string") throw new Error(graph);
    expect(() => graph.replay([mx.array([1, 2], "int32")], 1)).toThrow(/^GpuGraph\.replay: input 0 has shape \[2\] of int32, expected the captured \[3\] of int32$/);
    expect(() => graph.replay(b.outputs, 0)).toThrow(/^GpuGraph\.replay: steps must be an integer >= 1, got 0$/);
    const launched = mx.gpu.stats().dispatches;
    expect(graph.replay(b.outputs, 3)).toBeNull(); // past the kernel's reach: nothing recorded
    expect(mx.gpu.stats().dispatches).toBe(launched);
    expect(graph.replay(b.outputs, 2)).not.toBeNull();
    graph.release();
  });

  test("array_gpu_graph_keeps_its_buffers_from_new_arrays_until_released", () => {
    const { a, b } = twoSteps(addKernel(true));
    const graph = mx.gpu.graphOf(a.capture, b.capture);
    if (typeof graph === "string") throw new Error(graph);
    // The step's intermediate (the kernel's y), released by its tidy; the step's input and
    // output, which replays do not touch (they have buffers of their own), released here.
    const ends = new Set([a.outputs[0], b.outputs[0]].map(bufferOf));
    const bound = new Set(b.capture.launches.flatMap((l) => l.buffers).filter((x) => !ends.has(x)));
    expect(bound.size).toBe(1);
    for (const x of [a.outputs[0], b.outputs[0]]) mx.dispose(x);
    const drained = Array.from({ length: 64 }, () => mx.NDArray.empty([3], "int32", "gpu"));
    expect(drained.filter((x) => bound.has(bufferOf(x))).length).toBe(0);
    graph.release();
    const after = Array.from({ length: 64 }, () => mx.NDArray.empty([3], "int32", "gpu"));
    expect(after.filter((x) => bound.has(bufferOf(x))).length).toBe(1);
    for (const x of [...drained, ...after]) mx.dispose(x);
  });
});
