// mx.fast: the fused RMSNorm (alone and after a residual add), SwiGLU and RoPE kernels,
// float32 / float16 / bfloat16, against PyTorch (tests/golden/array/fast.safetensors),
// plus strided inputs and bad input.
// Every test runs on each device (device.ts).
import * as mx from "@tiny-llm/array";
import { deviceGoldenTests } from "./device-golden";
import { describeDevices } from "./device";

/** x as a view whose rows are strided: sliced out of a last axis three times as wide. */
function slicedView(x: mx.array): mx.array {
  const D = x.shape[x.ndim - 1];
  const wide = mx.concatenate([mx.zerosLike(x), x, mx.onesLike(x)], -1);
  return wide.slice("...", `${D}:${2 * D}`);
}

describeDevices("array_fast golden", () => {
  deviceGoldenTests("array", "fast", "array_fast", (c, inputs) => {
    if (c.op === "rmsNorm") return mx.fast.rmsNorm(inputs[0], inputs[1], c.params.eps as number);
    if (c.op === "addRmsNorm") return mx.fast.addRmsNorm(inputs[0], inputs[1], inputs[2], c.params.eps as number);
    if (c.op === "swiglu") {
      const [gate, up] = inputs;
      if (!c.params.sliced) return mx.fast.swiglu(gate, up);
      // The halves of one merged output, as a gate/up projection gives them.
      const I = gate.shape[gate.ndim - 1];
      const merged = mx.concatenate([gate, up], -1);
      const [g, u] = [merged.slice("...", `0:${I}`), merged.slice("...", `${I}:`)];
      expect(g.isContiguous).toBe(false);
      return mx.fast.swiglu(g, u);
    }
    const [x, cos, sin] = inputs;
    const [N, L, H, D] = x.shape;
    // "sliced": x as a strided view, N x L x (H * D) of a wider last axis, reshaped to heads.
    const xin = c.params.sliced ? slicedView(x.reshape(N, L, H * D)).reshape(N, L, H, D) : x;
    if (c.params.sliced) expect(xin.isContiguous).toBe(false);
    return mx.fast.rope(xin, cos, sin, { traditional: c.params.traditional as boolean });
  });
});

describeDevices("array_fast hand-written", () => {
  test("array_fast_rms_norm_keeps_dtype_and_shape_of_empty_rows", () => {
    const x = mx.zeros([0, 4], "bfloat16");
    const y = mx.fast.rmsNorm(x, mx.ones([4]), 1e-6);
    expect(y.shape).toEqual([0, 4]);
    expect(y.dtype).toBe("bfloat16");
  });

  test("array_fast_rms_norm_bad_input_names_what_was_expected", () => {
    expect(() => mx.fast.rmsNorm(mx.ones([2, 4]), mx.ones([3]), 1e-6)).toThrow(/weight has shape \[3\], expected \[4\]/);
    expect(() => mx.fast.rmsNorm(mx.ones([2, 4], "int32"), mx.ones([4]), 1e-6)).toThrow(/x must be a float array, got int32/);
    expect(() => mx.fast.rmsNorm(mx.ones([2, 4]), mx.ones([4]), -1)).toThrow(/eps must be a number >= 0/);
  });

  test("array_fast_add_rms_norm_bad_input_names_what_was_expected", () => {
    const x = mx.ones([2, 4]);
    expect(() => mx.fast.addRmsNorm(x, mx.ones([2, 3]), mx.ones([4]), 1e-6)).toThrow(/residual is float32 \[2,3\], expected x's float32 \[2,4\]/);
    expect(() => mx.fast.addRmsNorm(x, mx.ones([2, 4], "bfloat16"), mx.ones([4]), 1e-6)).toThrow(/residual is bfloat16 \[2,4\], expected x's float32/);
    expect(() => mx.fast.addRmsNorm(x, x, mx.ones([3]), 1e-6)).toThrow(/weight has shape \[3\], expected \[4\]/);
  });

  test("array_fast_swiglu_bad_input_names_what_was_expected", () => {
    expect(() => mx.fast.swiglu(mx.ones([2, 4]), mx.ones([2, 3]))).toThrow(/up is float32 \[2,3\], expected gate's float32 \[2,4\]/);
    expect(() => mx.fast.swiglu(mx.ones([2, 4], "int32"), mx.ones([2, 4], "int32"))).toThrow(/gate must be a float array, got int32/);
  });

  test("array_fast_rope_bad_input_names_what_was_expected", () => {
    const x = mx.ones([1, 3, 2, 8]);
    const t = mx.ones([3, 4]);
    expect(() => mx.fast.rope(mx.ones([3, 8]), t, t)).toThrow(/x must be N\.\. x L x H x D/);
    expect(() => mx.fast.rope(mx.ones([1, 3, 2, 7]), t, t)).toThrow(/must be even/);
    expect(() => mx.fast.rope(x, mx.ones([2, 4]), t)).toThrow(/cos has shape \[2,4\], expected \[3,4\]/);
    expect(() => mx.fast.rope(x, t, mx.ones([3, 4], "int32"))).toThrow(/sin must be a float array/);
  });
});
