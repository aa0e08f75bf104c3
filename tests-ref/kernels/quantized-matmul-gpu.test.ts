// quantizedMatmul's argument checks that only arrays on the GPU reach (the reference's
// TypeScript, which the learner's package shares): int8 activations are quantized on
// the CPU, so on the GPU they are a clear error, not a silent float32 product.
import * as mx from "@tiny-llm/array";
import { quantizedMatmul } from "@tiny-llm/tiny-llm-ext-ref";

beforeAll(async () => {
  await mx.gpu.init();
});

test("quantized_matmul_gpu_int8_activations_are_an_error", () => {
  const gpu = (a: mx.array) => a.toDevice("gpu");
  const w = {
    weight: gpu(mx.random.bits([8, 16], { key: mx.random.key(1) })),
    scales: gpu(mx.full([8, 2], 0.01, "float32", "cpu")),
    biases: gpu(mx.zeros([8, 2], "float32", "cpu")),
    groupSize: 64,
    bits: 4,
  };
  const x = gpu(mx.random.normal([1, 128], { key: mx.random.key(2) }));
  expect(() => quantizedMatmul(x, { ...w, activations: "int8" })).toThrow(/^quantizedMatmul: w.activations "int8" runs on the CPU only; x is on the gpu \(leave activations out there\)$/);
  expect(quantizedMatmul(x, w).device).toBe("gpu"); // the same call without it runs there
});
