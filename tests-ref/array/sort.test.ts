// sort, argsort (stable), topk (largest first). Golden values: tests/golden/array/sort.safetensors.
// Every test runs on each device (device.ts).
import * as mx from "@tiny-llm/array";
import { deviceGoldenTests } from "./device-golden";
import { describeDevices } from "./device";

describeDevices("array_sort golden", () => {
  deviceGoldenTests("array", "sort", "array_sort", (c, [x]) => {
    const p = c.params;
    switch (c.op) {
      case "sort": return mx.sort(x, p.axis);
      case "argsort": return mx.argsort(x, p.axis);
      case "topk": return mx.topk(x, p.k, p.axis);
    }
    throw new Error(`unknown op ${c.op}`);
  });
});

describeDevices("array_sort hand-written", () => {
  test("array_sort_method_style_and_defaults", async () => {
    const a = mx.array([[3, 1, 2], [0, 5, 4]]);
    expect(await a.sort().toArrayAsync()).toEqual([[1, 2, 3], [0, 4, 5]]);
    expect(await mx.sort(a).toArrayAsync()).toEqual([[1, 2, 3], [0, 4, 5]]);
    expect(await a.argsort().toArrayAsync()).toEqual([[1, 2, 0], [0, 2, 1]]);
    expect(a.argsort().dtype).toBe("int32");
    expect(await a.topk(2).toArrayAsync()).toEqual([[3, 2], [5, 4]]);
    expect(await mx.topk(a, 1, 0).toArrayAsync()).toEqual([[3, 5, 4]]);
  });

  test("array_sort_strided_input", async () => {
    const a = mx.array([[3, 1, 2], [0, 5, 4]]).T; // [[3,0],[1,5],[2,4]]
    expect(await mx.sort(a, 0).toArrayAsync()).toEqual([[1, 0], [2, 4], [3, 5]]);
    expect(await mx.argsort(a.slice("::-1"), 0).toArrayAsync()).toEqual([[1, 2], [0, 0], [2, 1]]); // [[2,4],[1,5],[3,0]]
  });

  // ---- bad input
  test("array_sort_error_axis", () => {
    const a = mx.zeros([2, 3]);
    expect(() => mx.sort(a, 2)).toThrow(mx.ArrayError);
    expect(() => mx.sort(a, 2)).toThrow(/^sort: .*2.*\[2,3\]/);
    expect(() => mx.argsort(a, -3)).toThrow(/^argsort: .*-3.*\[2,3\]/);
    expect(() => mx.sort(mx.array(1))).toThrow(/^sort: /);
  });

  test("array_sort_error_topk_k", () => {
    const a = mx.zeros([2, 3]);
    expect(() => mx.topk(a, 4)).toThrow(mx.ArrayError);
    expect(() => mx.topk(a, 4)).toThrow(/^topk: .*4.*\[2,3\]/);
    expect(() => mx.topk(a, -1)).toThrow(/^topk: .*-1/);
    expect(() => mx.topk(a, 1.5)).toThrow(/^topk: .*1\.5/);
    expect(() => mx.topk(a, 1, 2)).toThrow(/^topk: /);
  });
});
