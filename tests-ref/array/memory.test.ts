// mx.tidy / keep / dispose: intermediate arrays released when their scope returns, their
// buffers reused by later allocations, and a released array refused by every op.
// Scopes run on each device (device.ts); the buffer pools' tests are per device.
import * as mx from "@tiny-llm/array";
import { describeDevices, describeGpu } from "./device";

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

  test("array_memory_dispose_of_a_js_array_names_what_was_expected", () => {
    const a = mx.ones([2]);
    expect(() => mx.dispose([a, a] as unknown as mx.array)).toThrow(/^dispose: expected one array, got a JS array/);
    expect(() => mx.dispose(undefined as unknown as mx.array)).toThrow(/^dispose: expected one array, got undefined/);
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

  // From 4 KiB up, a buffer serves any size of its class (8 per power of two): with 64
  // bytes of room for a cache-line start, 5,000 and 5,100 floats (20,064 and 20,464
  // bytes) share the class of 20,480; 6,000 floats are in the next, 24,576.
  const released = (n: number, value: number): mx.array => {
    const a = mx.full([n], value, "float32");
    mx.dispose(a); // its buffer is the pool's newest: the next allocation of its class takes it
    return a;
  };

  test("array_memory_a_released_buffer_serves_a_slightly_longer_array_of_its_size_class", () => {
    const old = released(5000, 1);
    const longer = mx.full([5100], 3, "float32");
    expect(longer.storage).toBe(old.storage);
    expect(longer.sum().item()).toBe(15300);
    const again = released(5100, 1);
    expect(mx.full([6000], 3, "float32").storage).not.toBe(again.storage);
  });

  test("array_memory_zeros_from_the_pool_are_zeros", () => {
    const old = released(5000, 7);
    const zeros = mx.zeros([5000], "float32");
    expect(zeros.storage).toBe(old.storage);
    expect(zeros.toArray()).toEqual(new Array(5000).fill(0));
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

// The GPU's buffer pool: a step that allocates the same sizes in the same order gets the
// same buffers every time, so that its launches find the bind groups of the step before
// (the oldest free buffer is taken first; taking the newest shuffled them step to step).
describeGpu("array_memory gpu pool", () => {
  test("array_memory_gpu_a_repeated_step_makes_no_new_bind_groups", async () => {
    const x = mx.random.normal([64], { key: mx.random.key(3) });
    // Nested scopes release in an order other than the allocations'.
    const step = () =>
      mx.tidy(() => {
        const a = mx.tidy(() => x.multiply(2).add(1).exp());
        const b = mx.tidy(() => {
          const t = a.multiply(x);
          return [t.add(a), t.subtract(x)] as const;
        });
        return b[0].multiply(b[1]).add(a).sum();
      });
    const made = async (steps: number) => {
      const before = mx.gpu.stats().bindGroups;
      for (let i = 0; i < steps; i++) {
        const y = step();
        await y.itemAsync();
        mx.dispose(y);
      }
      return mx.gpu.stats().bindGroups - before;
    };
    expect(await made(3)).toBeGreaterThan(0); // the first step's groups
    expect(await made(5)).toBe(0);
  });
});
