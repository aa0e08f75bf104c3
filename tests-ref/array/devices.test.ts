// Devices: the GPU's set-up (mx.gpu.init), moving arrays between devices (toDevice,
// toCpu), the default device of creation ops, the errors of reading a GPU array
// synchronously or of mixing devices in one op, and a custom kernel written in WGSL
// (mx.gpu.dispatch through mx.runKernel). The other files test every op on each device.
import * as mx from "@tiny-llm/array";
import { DEVICES, addOnes, describeGpu } from "./device";

// This file's copy of the library starts with no GPU: these run before any set-up.
describe("array_devices before the GPU is set up", () => {
  test("array_devices_gpu_before_init_says_to_call_it", () => {
    expect(mx.defaultDevice()).toBe("cpu");
    expect(() => mx.setDefaultDevice("gpu")).toThrow(/^backend: no backend for device "gpu" \(available: cpu\); call `await mx\.gpu\.init\(\)` first$/);
    expect(() => mx.array([1]).toDevice("gpu")).toThrow(/call `await mx\.gpu\.init\(\)` first/);
    expect(() => mx.zeros([2], "float32", "gpu")).toThrow(/call `await mx\.gpu\.init\(\)` first/);
    expect(() => mx.gpu.info()).toThrow(/^gpu: the GPU is not set up: call `await mx\.gpu\.init\(\)` first$/);
    expect(mx.defaultDevice()).toBe("cpu");
  });

  test("array_devices_cpu_arrays_stay_where_they_are", async () => {
    const a = mx.array([1, 2]);
    expect(a.toDevice("cpu")).toBe(a);
    expect(await a.toCpu()).toBe(a);
    expect(await a.toArrayAsync()).toEqual([1, 2]);
  });
});

if (DEVICES.includes("gpu")) {
  // The first set-up of this file, before describeGpu's blocks set the GPU up.
  describe("array_devices gpu set-up", () => {
    test("array_devices_gpu_init_twice_returns_the_same", async () => {
      const [a, b] = await Promise.all([mx.gpu.init(), mx.gpu.init()]); // concurrent first calls
      expect(b).toBe(a);
      expect(await mx.gpu.init()).toBe(a);
      expect(mx.gpu.info()).toBe(a);
      expect(typeof a.description).toBe("string");
      expect(a.maxStorageBufferBindingSize).toBeGreaterThan(0);
      expect(a.validation).toBe(true); // tests keep Dawn's checks
    });
  });
}

/** Values of each dtype that a copy could get wrong: signs, extremes, NaN, subnormals. */
const EDGE_VALUES: Record<mx.Dtype, number[]> = {
  float32: [1.5, -0, Infinity, NaN, 1e-40, -3.25e38],
  float16: [1.5, -0, -Infinity, NaN, 6e-8, 65504],
  bfloat16: [1.5, -0, Infinity, NaN, 1e-39, -3.3e38],
  int32: [0, -1, 2147483647, -2147483648, 7, 8],
  uint32: [0, 1, 4294967295, 2147483648, 7, 8],
  uint8: [0, 1, 255, 128, 7, 8],
  bool: [1, 0, 1, 1, 0, 0],
};

/** A 2 x 3 CPU array of `dtype`'s edge values. */
const hostArray = (dtype: mx.Dtype) => mx.fromTypedArray(Float64Array.from(EDGE_VALUES[dtype]), [2, 3], dtype, "cpu");

describeGpu("array_devices", () => {
  test.each(mx.DTYPES)("array_devices_round_trip_keeps_every_byte_%s", async (dtype) => {
    const host = hostArray(dtype);
    const g = host.toDevice("gpu");
    expect([g.device, g.dtype, g.shape]).toEqual(["gpu", dtype, [2, 3]]);
    expect(g.toDevice("gpu")).toBe(g);
    const back = await g.toCpu();
    expect([back.device, back.dtype, back.shape]).toEqual(["cpu", dtype, [2, 3]]);
    expect(back.hostBytes()).toEqual(host.hostBytes()); // NaN, -0 and subnormals bit for bit
    // A strided view goes up as a contiguous copy of its elements, and a GPU view comes back as its elements.
    const view = host.slice("::-1", "::2");
    const gv = view.toDevice("gpu");
    expect(gv.isContiguous).toBe(true);
    expect((await gv.toCpu()).hostBytes()).toEqual(mx.contiguous(view).hostBytes());
    expect((await g.slice("::-1", "::2").toCpu()).hostBytes()).toEqual(mx.contiguous(view).hostBytes());
    // The other async reads agree with the CPU's sync ones.
    expect(await g.data()).toEqual(host.toTypedArray());
    expect(await g.toArrayAsync()).toEqual(host.toArray());
    expect(await g.slice(1, 2).itemAsync()).toEqual(host.slice(1, 2).item());
  });

  test("array_devices_round_trip_of_empty_and_0d_arrays", async () => {
    const empty = mx.zeros([2, 0], "bfloat16", "cpu").toDevice("gpu");
    expect(empty.device).toBe("gpu");
    expect(await empty.toArrayAsync()).toEqual([[], []]);
    const s = mx.full([], 7, "int32", "cpu").toDevice("gpu");
    expect(s.shape).toEqual([]);
    expect(await s.itemAsync()).toBe(7);
  });

  test("array_devices_sync_reads_of_a_gpu_array_say_to_await", () => {
    const g = mx.array([[1, 2], [3, 4]]);
    const onGpu = (op: string) => new RegExp(`^${op}: the array \\(shape \\[2,2\\], float32\\) is on the gpu, whose reads are asynchronous: use \`await a\\.data\\(\\)\`, \`await a\\.itemAsync\\(\\)\` or \`await a\\.toCpu\\(\\)\`$`);
    expect(() => g.toArray()).toThrow(mx.ArrayError);
    expect(() => g.toArray()).toThrow(onGpu("toArray"));
    expect(() => g.toTypedArray()).toThrow(onGpu("toTypedArray"));
    expect(() => g.slice(0, 0).item()).toThrow(/^item: the array \(shape \[\], float32\) is on the gpu, whose reads are asynchronous/);
    expect(() => g.hostBytes()).toThrow(/^hostBytes: the array \(shape \[2,2\], float32\) is on the gpu: `await a\.toCpu\(\)` first$/);
    expect(() => g.toDevice("cpu")).toThrow(/^toDevice: reading an array back from the gpu is asynchronous: use `await a\.toCpu\(\)`/);
    expect(() => mx.allclose(g, g)).toThrow(/^item: .* is on the gpu, whose reads are asynchronous/);
    // Printing does not read: it says where the values are.
    expect(String(g)).toBe("array(<on the gpu: await a.toCpu() to see the values>, shape=[2, 2], dtype=float32)");
  });

  test("array_devices_default_device_places_creation_ops", async () => {
    const key = mx.random.key(3);
    const made: Record<string, mx.array> = {
      array: mx.array([1, 2]),
      fromTypedArray: mx.fromTypedArray(new Int32Array([1, 2]), [2]),
      zeros: mx.zeros([2]),
      ones: mx.ones([2], "uint8"),
      full: mx.full([2], 5, "bfloat16"),
      arange: mx.arange(2),
      zerosLike: mx.zerosLike(mx.zeros([2])),
      "random.uniform": mx.random.uniform([2], { key }),
      "random.normal": mx.random.normal([2], { key }),
      "random.bits": mx.random.bits([2], { key }),
      "random.randint": mx.random.randint(0, 5, [2], { key }),
    };
    for (const [name, a] of Object.entries(made)) expect([name, a.device]).toEqual([name, "gpu"]);
    expect(await made.full.toArrayAsync()).toEqual([5, 5]);
    expect(await made.arange.toArrayAsync()).toEqual([0, 1]);
    // Back on the CPU, creation ops make CPU arrays again, and the same key draws the same numbers.
    const gpuBits = await made["random.bits"].data();
    mx.setDefaultDevice("cpu");
    try {
      const cpuBits = mx.random.bits([2], { key });
      expect([cpuBits.device, mx.zeros([2]).device, mx.array([1]).device]).toEqual(["cpu", "cpu", "cpu"]);
      expect(cpuBits.toTypedArray()).toEqual(gpuBits);
    } finally {
      mx.setDefaultDevice("gpu");
    }
    // Keys, fromBuffer (a view of host memory) and an explicit device stay on the CPU; ops follow their operands.
    expect(key.device).toBe("cpu");
    expect(mx.fromBuffer(new Float32Array([1, 2]).buffer, "float32", [2]).device).toBe("cpu");
    expect(mx.zeros([2], "float32", "cpu").device).toBe("cpu");
    expect(mx.zeros([2], "float32", "cpu").add(1).device).toBe("cpu");
    expect(made.zeros.add(1).device).toBe("gpu");
    expect(mx.defaultDevice()).toBe("gpu");
  });

  test("array_devices_an_array_over_the_binding_limit_is_an_error_at_its_op", () => {
    // One element past what a kernel may bind (128 MiB on lavapipe); where the GPU's
    // largest buffer is no larger, such an array cannot be made at all.
    const { maxStorageBufferBindingSize: bind, maxBufferSize } = mx.gpu.info();
    const n = bind / 4 + 1;
    if (n * 4 > maxBufferSize) {
      expect(() => mx.zeros([n], "float32", "gpu")).toThrow(/exceed the GPU's largest buffer/);
      return;
    }
    const big = mx.zeros([n], "float32", "gpu");
    expect(() => big.add(1)).toThrow(/^binary add f32: an array of [\d.]+ MiB is bound, but this GPU binds at most [\d.]+ MiB a buffer \(maxStorageBufferBindingSize\); keep arrays this large on the CPU, or split them$/);
    mx.dispose(big);
  });

  test("array_devices_mixing_devices_in_one_op_is_an_error", () => {
    const g = mx.ones([2, 2]);
    const c = mx.ones([2, 2], "float32", "cpu");
    expect(() => mx.add(g, c)).toThrow(mx.ArrayError);
    expect(() => mx.add(g, c)).toThrow(/^add: operands are on different devices \(gpu, cpu\)$/);
    expect(() => c.multiply(g)).toThrow(/^multiply: operands are on different devices \(cpu, gpu\)$/);
    expect(() => mx.matmul(g, c)).toThrow(/^matmul: operands are on different devices \(gpu, cpu\)$/);
    expect(() => mx.where(mx.ones([2], "bool"), g, c)).toThrow(/^where: operands are on different devices/);
    expect(() => mx.concatenate([g, c])).toThrow(/^concatenate: .*different devices \(gpu, cpu\)/);
    expect(() => mx.take(g, mx.zeros([1], "int32", "cpu"))).toThrow(/^take: operands are on different devices \(gpu, cpu\)$/);
    expect(() => mx.assign(g, c)).toThrow(/^assign: operands are on different devices/);
    // A JS number is no operand of its own: it joins the array's device.
    expect(g.add(1).device).toBe("gpu");
    // Keys live on the CPU (their bits are drawn there): a GPU key is refused, naming that.
    expect(() => mx.random.uniform([2], { key: mx.zeros([2], "uint32") })).toThrow(/^random\.uniform: keys live on the CPU, got one on the gpu/);
  });

  test("array_devices_gpu_batches_start_small_when_the_gpu_is_idle", async () => {
    let x = mx.arange(0, 8, 1, "float32").toDevice("gpu");
    await mx.gpu.synchronize(); // nothing left running
    // The GPU starts on the first 16 launches while the host records the rest, in batches twice as large each time.
    const ramp = addOnes(x, 16 + 32 + 64 + 128 + 256 + 512 + 100);
    expect(ramp.batches).toEqual([16, 32, 64, 128, 256, 512]);
    // A read waited for while later work was submitted (a decode step recorded during the step before) leaves batches full.
    const reading = ramp.x.toArrayAsync();
    const busy = addOnes(ramp.x.add(0), 10);
    mx.gpu.submit();
    expect(await reading).toEqual([1108, 1109, 1110, 1111, 1112, 1113, 1114, 1115]);
    const full = addOnes(busy.x, 300);
    expect(full.batches).toEqual([]);
    // A read that waited for everything submitted: the next batch is small again.
    expect(await full.x.toArrayAsync()).toEqual([1418, 1419, 1420, 1421, 1422, 1423, 1424, 1425]);
    const again = addOnes(full.x, 20);
    expect(again.batches).toEqual([16]);
    x = again.x;
    expect(await x.toArrayAsync()).toEqual([1438, 1439, 1440, 1441, 1442, 1443, 1444, 1445]);
    mx.dispose(x);
  });

  test("array_devices_gpu_submit_sends_what_is_recorded_without_a_read", async () => {
    const a = mx.arange(0, 8, 1, "float32").toDevice("gpu");
    await mx.gpu.synchronize();
    // A decode step's worth of launches (300; Qwen2-7B's is 315) stays in one batch until
    // submitted, with full batches asked for (as after the first small ones).
    mx.gpu.fullBatches();
    const started = a.add(0);
    const s0 = mx.gpu.stats();
    const { x } = addOnes(started, 300);
    const s1 = mx.gpu.stats();
    expect({ launches: s1.dispatches - s0.dispatches, submits: s1.submits - s0.submits }).toEqual({ launches: 300, submits: 0 });
    mx.gpu.submit();
    mx.gpu.submit(); // nothing left to send: no second submit
    const s2 = mx.gpu.stats();
    expect({ submits: s2.submits - s1.submits, reads: s2.reads - s1.reads }).toEqual({ submits: 1, reads: 0 });
    expect(await x.toArrayAsync()).toEqual([300, 301, 302, 303, 304, 305, 306, 307]);
    mx.dispose(x);
    mx.dispose(a);
  });

  test("array_devices_gpu_profile_times_every_launch_by_label", async () => {
    const a = mx.random.normal([4096], { key: mx.random.key(1) }).toDevice("gpu");
    const b = mx.ones([4096]);
    const before = mx.gpu.stats().dispatches;
    let sum: mx.array | undefined, product: mx.array | undefined;
    const kernels = await mx.gpu.profile(() => {
      sum = a.add(b);
      product = sum.multiply(a).multiply(b);
    });
    const launches = mx.gpu.stats().dispatches - before;
    expect(kernels.map((k) => [k.label, k.launches]).sort()).toEqual([["binary add f32", 1], ["binary multiply f32", 2]]);
    expect(kernels.reduce((n, k) => n + k.launches, 0)).toBe(launches);
    for (const k of kernels) expect(k.seconds).toBeGreaterThan(0); // not rounded down to 0 (Dawn's quantization is off)
    expect(kernels[0].seconds).toBeGreaterThanOrEqual(kernels[1].seconds); // most first
    // Timed launches compute what untimed ones do.
    const host = await a.toCpu();
    expect(await product!.data()).toEqual(host.add(1).multiply(host).toTypedArray());
    expect(await sum!.data()).toEqual(host.add(1).toTypedArray());
  });

  test("array_devices_gpu_profiles_do_not_nest_and_end_on_errors", async () => {
    await expect(mx.gpu.profile(() => mx.gpu.profile(() => undefined).then(() => undefined))).rejects.toThrow(/^gpu\.profile: a profile is already running \(profiles do not nest\)$/);
    await expect(mx.gpu.profile(() => { throw new Error("inside"); })).rejects.toThrow(/^inside$/);
    expect(await mx.gpu.profile(() => undefined)).toEqual([]); // the failed ones ended: a new one starts
  });
});
