// mx.assign: numpy's dst[...] = src, into a view of a larger array. On each device (device.ts).
import * as mx from "@tiny-llm/array";
import { describeDevices } from "./device";

describeDevices("array_assign", () => {
  test("array_assign_writes_through_a_slice_into_its_buffer", async () => {
    const buf = mx.zeros([2, 3, 4]);
    mx.assign(buf.slice(":", "1:3", ":"), mx.arange(0, 16).reshape(2, 2, 4));
    expect(await buf.toArrayAsync()).toEqual([
      [[0, 0, 0, 0], [0, 1, 2, 3], [4, 5, 6, 7]],
      [[0, 0, 0, 0], [8, 9, 10, 11], [12, 13, 14, 15]],
    ]);
  });

  test("array_assign_broadcasts_and_converts_to_the_destination_dtype", async () => {
    const buf = mx.zeros([2, 3], "bfloat16");
    mx.assign(buf.slice(":", "::2"), mx.array([1.00390625, -2], "float32")); // [2] over 2 x 2, rounded to bf16
    expect(buf.dtype).toBe("bfloat16");
    expect(await buf.toArrayAsync()).toEqual([[1, 0, -2], [1, 0, -2]]);
  });

  test("array_assign_rejects_a_source_that_does_not_broadcast", () => {
    expect(() => mx.assign(mx.zeros([2, 3]), mx.zeros([3, 2]))).toThrow("assign: cannot write shape [3,2] into shape [2,3] (it must broadcast to it)");
    expect(() => mx.assign(mx.zeros([3]), mx.zeros([2, 3]))).toThrow(/cannot write shape \[2,3\] into shape \[3\]/);
  });
});
