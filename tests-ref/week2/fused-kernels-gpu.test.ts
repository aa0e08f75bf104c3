// Week 2's Qwen2 model on the GPU turns a layer's bias add, RoPE and the two copies into
// the KV cache into one launch (ropeIntoCache; with 4-bit weights, the q/k/v product's own:
// quantizedQkvRope), and with 4-bit weights its gate/up
// product and SwiGLU into another (quantizedSwiGLU, also with int8 activations), and with
// int8 activations each norm quantizes for the product after it (addRmsNormInt8), and a
// decode step's attention quantizes for o_proj in its combine (flashAttentionInt8, once the
// cache splits and a head holds whole groups: the trained model past 64 tokens); on the
// CPU it runs them apart but for ropeIntoCache and quantizedSwiGLU with float32 x (their
// C++ checked against the separate ops in tests-ref/kernels/rope-into-cache.test.ts and
// quantized-swiglu-gpu.test.ts). The tiny checkpoints' logits agree step by step (a
// prefill, then decode steps, then a trimmed cache decoding again), and a GPU decode step
// launches each fused kernel once a layer and none of the separate ops.
import * as mx from "@tiny-llm/array";
import { load } from "@tiny-llm/loader";
import { ensureTinyModels, TINY_MODEL_4BIT_DIR, TINY_MODEL_DIR, TRAINED_MODEL_4BIT_DIR } from "@tiny-llm/tiny-model";
import { type Activations, Qwen2ModelWeek2 } from "@tiny-llm/tiny-llm-week2-ref";

import { expectClose } from "../../tests/helpers/compare";

beforeAll(async () => {
  ensureTinyModels();
  await mx.gpu.init();
});

afterEach(() => mx.setDefaultDevice("cpu"));

/** The tiny model of `dir` with its weights (and what it makes: caches) on `device`. */
function modelOn(dir: string, device: mx.Device, activations: Activations): Qwen2ModelWeek2 {
  mx.setDefaultDevice(device);
  const loaded = load(dir);
  loaded.weights.device = device;
  return new Qwen2ModelWeek2(loaded, { activations });
}

/** lavapipe runs the kernels on the CPU: slowly on a loaded machine. */
const GPU_MS = 120_000;
const STEPS = [[77], [1024], [3]];
/** A prompt of `n` token ids: decode steps after 64 or more split the cache into chunks (SPLIT_MIN_KEYS). */
const promptOf = (n: number) => [Array.from({ length: n }, (_, i) => [5, 17, 301, 42, 9][i] ?? (i * 37 + 11) % 1000)];

// weights, checkpoint, activations, prompt tokens
const CASES: [string, string, Activations, number][] = [
  ["bf16", TINY_MODEL_DIR, "float32", 5],
  ["4bit", TINY_MODEL_4BIT_DIR, "float32", 5],
  ["4bit_int8", TINY_MODEL_4BIT_DIR, "int8", 5],
  ["trained_4bit_int8_long_prompt", TRAINED_MODEL_4BIT_DIR, "int8", 70],
];
/**
 * The trained model's activations are large enough that a value at k + 1/2 of an int8 code
 * meets a GPU's division a few ulps off (addRmsNormInt8 divides as WGSL does) and rounds to
 * the other code: its logits then move by up to ~0.2 (a prefill's, before any combine
 * quantizes). A wrong code layout moves them by far more.
 */
const TOL: Record<string, { rtol: number; atol: number }> = { trained_4bit_int8_long_prompt: { rtol: 0.05, atol: 0.5 } };

for (const [weights, dir, activations, promptTokens] of CASES) {
  const PROMPT = promptOf(promptTokens);
  // Attention's combine quantizes for o_proj: a split decode step, a head of whole groups (64 = D).
  const combineQuantizes = activations === "int8" && promptTokens > 64;
  test(`week2_ref_qwen2_${weights}_gpu_fused_kernels_logits_equal_the_cpus_step_by_step`, async () => {
    const logitsOf = async (device: mx.Device) => {
      const model = modelOn(dir, device, activations);
      const cache = model.makeCache();
      const out: mx.array[] = [];
      const step = async (ids: number[][], offset: number) => out.push(await model.forward(mx.array(ids, "int32"), offset, cache).toCpu());
      await step(PROMPT, 0);
      for (const [i, ids] of STEPS.entries()) await step([ids], PROMPT[0].length + i);
      for (const c of cache) c.trim(2); // as speculative decoding takes back rejected drafts
      await step([[500]], PROMPT[0].length + STEPS.length - 2);
      return out;
    };
    const cpu = await logitsOf("cpu");
    const gpu = await logitsOf("gpu");
    for (const [i, logits] of gpu.entries()) await expectClose(logits, cpu[i], { tol: TOL[weights] ?? { rtol: 1e-4, atol: 1e-4 }, label: `call ${i}` });
  }, GPU_MS);

  test(`week2_ref_qwen2_${weights}_gpu_decode_step_launches_each_fused_kernel_once_a_layer`, async () => {
    const model = modelOn(dir, "gpu", activations);
    const cache = model.makeCache();
    await model.forward(mx.array(PROMPT, "int32"), 0, cache).toCpu();
    const kernels = await mx.gpu.profile(async () => {
      await model.forward(mx.array(STEPS[0], "int32").reshape(1, 1), PROMPT[0].length, cache).toCpu();
    });
    const launches = (label: string) => kernels.find((k) => k.label === label)?.launches ?? 0;
    // The biases, RoPE and the cache's writes: in the q/k/v product's launch for 4-bit
    // weights (quantizedQkvRope), else in one launch after it.
    const quantized = weights !== "bf16";
    const decodeKernel = `quantized_matmul_decode${activations === "int8" ? "_int8" : ""}.wgsl`;
    expect(launches(`quantizedQkvRope (${decodeKernel})`)).toBe(quantized ? cache.length : 0);
    expect(launches("ropeIntoCache")).toBe(quantized ? 0 : cache.length);
    expect(launches("rope")).toBe(0);
    // None of the cache's two copies a layer: bf16's embedding lookup copies once (a gather,
    // then float32); the 4-bit lookup is one gather of the codes and one quantizedRows.
    expect(launches("copy")).toBe(weights === "bf16" ? 1 : 0);
    expect(launches("quantizedRows")).toBe(weights === "bf16" ? 0 : 1);
    expect(launches(`quantizedSwiGLU (${decodeKernel})`)).toBe(quantized ? cache.length : 0);
    expect(launches("swiglu")).toBe(quantized ? 0 : cache.length);
    // int8 activations: the norms quantize for the qkv and gate/up products and the head
    // (addRmsNormInt8); only o_proj's input (where no combine quantizes it) and down's take
    // quantize_activations.
    const int8 = activations === "int8";
    expect(launches("addRmsNormInt8")).toBe(int8 ? 2 * cache.length + 1 : 0);
    expect(launches("rmsNorm residual")).toBe(int8 ? 0 : 2 * cache.length);
    expect(launches("quantizedMatmul (quantize_activations.wgsl)")).toBe(int8 ? (combineQuantizes ? 1 : 2) * cache.length : 0);
    expect(launches("flashAttention (flash_attention_combine.wgsl)")).toBe(promptTokens > 64 ? cache.length : 0);
  }, GPU_MS);
}

// Each launch finds the bind group of the step before, so that a decode step's host time
// is its launches' recording only: as the cache grows (within its capacity) and its split
// into chunks grows by one (every 32 keys at D = 64), the chunks' scratch keeps its size
// and the attention kernels their groups. (The embedding lookup's token, a buffer from the
// pool, makes a group now and then: fewer than one a layer over these 63 steps.)
test("week2_ref_qwen2_gpu_decode_steps_keep_their_bind_groups_as_the_cache_grows", async () => {
  const model = modelOn(TRAINED_MODEL_4BIT_DIR, "gpu", "int8");
  const cache = model.makeCache();
  const P = 70;
  const next = (logits: mx.array) => logits.reshape([logits.shape[2]]).argmax().reshape(1, 1);
  let token = mx.tidy(() => next(model.forward(mx.array(promptOf(P), "int32"), 0, cache, { lastOnly: true })));
  const step = async (offset: number) => {
    const prev = token;
    token = mx.tidy(() => next(model.forward(prev, offset, cache, { lastOnly: true })));
    mx.dispose(prev);
    await token.itemAsync();
  };
  await step(P); // the first decode step's groups
  const before = mx.gpu.stats().bindGroups;
  for (let offset = P + 1; offset < P + 64; offset++) await step(offset); // S = 72 .. 134: 3 to 5 chunks
  expect(mx.gpu.stats().bindGroups - before).toBeLessThan(cache.length);
  mx.dispose(token);
}, GPU_MS);
