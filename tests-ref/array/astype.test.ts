// astype between every pair of dtypes that matters: float32 <-> float16 / bfloat16
// rounding (ties to even, overflow to inf, subnormals, NaN), float -> int truncation,
// int / bool -> float. Golden values: tests/golden/array/astype.safetensors.
// Every test runs on each device (device.ts).
import * as mx from "@tiny-llm/array";
import { deviceGoldenTests } from "./device-golden";
import { describeDevices } from "./device";

describeDevices("array_astype golden", () => {
  deviceGoldenTests("array", "astype", "array_astype", (c, [x]) => {
    if (c.op === "astype_transposed") return mx.astype(x.T, c.params.dtype);
    // Half the cases through the method, half through the function.
    return c.id.length % 2 ? x.astype(c.params.dtype) : mx.astype(x, c.params.dtype);
  });
});

describeDevices("array_astype hand-written", () => {
  test("array_astype_same_dtype_keeps_values", async () => {
    const a = mx.array([1.5, -2], "bfloat16");
    const b = a.astype("bfloat16");
    expect(b.dtype).toBe("bfloat16");
    expect(await b.toArrayAsync()).toEqual([1.5, -2]);
  });

  test("array_astype_roundtrip_16bit", async () => {
    // Every float16 value survives float16 -> float32 -> float16.
    const bits = new Float32Array(2048);
    for (let i = 0; i < 2048; i++) bits[i] = (i - 1024) / 64;
    const h = mx.array(bits, "float16");
    expect(Array.from(await h.astype("float32").astype("float16").data())).toEqual(Array.from(await h.data()));
  });

  // ---- bad input
  test("array_astype_error_bad_dtype", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.astype(mx.zeros([2]), "float64" as any)).toThrow(mx.ArrayError);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.zeros([2]).astype("int64" as any)).toThrow(/^astype: .*int64/);
  });
});
