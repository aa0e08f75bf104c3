// mx.tidy / keep / dispose: intermediate arrays released when their scope returns, their
// buffers reused by later allocations, and a released array refused by every op.
// Scopes run on each device (device.ts); the buffer pool's tests are the CPU's.
import * as mx from "@tiny-llm/array";
import { describeDevices } from "./device";

describeDevices("array_memory", () => {
  test("array_memory_tidy_releases_intermediates_and_keeps_the_result", async () => {
    let inner: mx.array | undefined;
    const out = mx.tidy(() => {
      inner = mx.ones([4, 4]).multiply(2);
      return inner.add(1);
    });
    expect(await out.toArrayAsync()).toEqual(Array.from({ length: 4 }, () => [3, 3, 3, 3]));
    expect(() => inner!.add(1)).toThrow(/add: .*released \(mx\.tidy or mx\.dispose\)/);
    expect(() => inner!.slice(0)).toThrow(/slice: .*released/);
  });

  test("array_memory_keep_and_nested_scopes", async () => {
    let kept: mx.array | undefined;
    const out = mx.tidy(() => {
      const mid = mx.tidy(() => {
        kept = mx.keep(mx.ones([3]).add(1));
        return mx.ones([3]).add(2);
      });
      return [mid.add(1), mid] as const;
    });
    expect(await kept!.toArrayAsync()).toEqual([2, 2, 2]);
    expect(await out[0].toArrayAsync()).toEqual([4, 4, 4]);
    expect(await out[1].toArrayAsync()).toEqual([3, 3, 3]);
  });

  test("array_memory_dispose_releases_one_array", () => {
    const a = mx.ones([2]).add(1);
    mx.dispose(a);
    mx.dispose(a); // twice is fine
    expect(() => a.sum()).toThrow(/released/);
  });

  test("array_memory_tidy_releases_even_when_fn_throws", () => {
    let inner: mx.array | undefined;
    expect(() =>
      mx.tidy(() => {
        inner = mx.ones([2]).add(1);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(() => inner!.add(1)).toThrow(/released/);
  });
});

// The CPU's buffer pool: which ArrayBuffer an allocation gets.
describe("array_memory cpu pool", () => {
  test("array_memory_a_released_buffer_serves_the_next_allocation_of_its_size", () => {
    let inner: mx.array | undefined;
    mx.tidy(() => {
      inner = mx.full([1000], 5, "float32").add(0);
      return null;
    });
    const next = mx.ones([1000], "float32").multiply(7); // same byte length: takes the pooled buffer
    expect(next.storage).toBe(inner!.storage);
    expect(next.toArray()).toEqual(new Array(1000).fill(7));
  });

  test("array_memory_a_buffer_still_viewed_by_a_live_array_is_not_reused", () => {
    const base = mx.tidy(() => {
      const t = mx.arange(0, 8, 1, "float32").add(0);
      return t.reshape(2, 4); // a view of t: t is released, its buffer stays with the view
    });
    const other = mx.zeros([8], "float32").add(9);
    expect(other.storage).not.toBe(base.storage);
    expect(base.toArray()).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
  });
});
