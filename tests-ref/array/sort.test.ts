// sort, argsort (stable), topk (largest first). Golden values: tests/golden/array/sort.safetensors.
import * as mx from "@tiny-llm/array";
import { goldenTests } from "../../tests/helpers/golden";

describe("array_sort golden", () => {
  goldenTests("array", "sort", "array_sort", (c, [x]) => {
    const p = c.params;
    switch (c.op) {
      case "sort": return mx.sort(x, p.axis);
      case "argsort": return mx.argsort(x, p.axis);
      case "topk": return mx.topk(x, p.k, p.axis);
    }
    throw new Error(`unknown op ${c.op}`);
  });
});

describe("array_sort hand-written", () => {
  test("array_sort_method_style_and_defaults", () => {
    const a = mx.array([[3, 1, 2], [0, 5, 4]]);
    expect(a.sort().toArray()).toEqual([[1, 2, 3], [0, 4, 5]]);
    expect(mx.sort(a).toArray()).toEqual([[1, 2, 3], [0, 4, 5]]);
    expect(a.argsort().toArray()).toEqual([[1, 2, 0], [0, 2, 1]]);
    expect(a.argsort().dtype).toBe("int32");
    expect(a.topk(2).toArray()).toEqual([[3, 2], [5, 4]]);
    expect(mx.topk(a, 1, 0).toArray()).toEqual([[3, 5, 4]]);
  });

  test("array_sort_strided_input", () => {
    const a = mx.array([[3, 1, 2], [0, 5, 4]]).T; // [[3,0],[1,5],[2,4]]
    expect(mx.sort(a, 0).toArray()).toEqual([[1, 0], [2, 4], [3, 5]]);
    expect(mx.argsort(a.slice("::-1"), 0).toArray()).toEqual([[1, 2], [0, 0], [2, 1]]); // [[2,4],[1,5],[3,0]]
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
