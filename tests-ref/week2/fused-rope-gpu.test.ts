// Week 2's Qwen2 model on the GPU turns a layer's bias add, RoPE and the two copies into
// the KV cache into one launch (ropeIntoCache); on the CPU it runs them apart. The
// tiny checkpoint's logits agree step by step (a prefill, then decode steps, then a
// trimmed cache decoding again), and a GPU decode step launches ropeIntoCache once a
// layer and none of the separate ops.
import * as mx from "@tiny-llm/array";
import { load } from "@tiny-llm/loader";
import { ensureTinyModels, TINY_MODEL_DIR } from "@tiny-llm/tiny-model";
import { Qwen2ModelWeek2 } from "@tiny-llm/tiny-llm-week2-ref";

import { expectClose } from "../../tests/helpers/compare";

beforeAll(async () => {
  ensureTinyModels();
  await mx.gpu.init();
});

afterEach(() => mx.setDefaultDevice("cpu"));

/** The tiny model with its weights (and what it makes: caches) on `device`. */
function modelOn(device: mx.Device): Qwen2ModelWeek2 {
  mx.setDefaultDevice(device);
  const loaded = load(TINY_MODEL_DIR);
  loaded.weights.device = device;
  return new Qwen2ModelWeek2(loaded);
}

/** lavapipe runs the kernels on the CPU: slowly on a loaded machine. */
const GPU_MS = 120_000;
const PROMPT = [[5, 17, 301, 42, 9]];
const STEPS = [[77], [1024], [3]];

test("week2_ref_qwen2_gpu_fused_rope_logits_equal_the_cpus_step_by_step", async () => {
  const logitsOf = async (device: mx.Device) => {
    const model = modelOn(device);
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
  for (const [i, logits] of gpu.entries()) await expectClose(logits, cpu[i], { tol: { rtol: 1e-4, atol: 1e-4 }, label: `call ${i}` });
}, GPU_MS);

test("week2_ref_qwen2_gpu_decode_step_launches_rope_into_cache_once_a_layer", async () => {
  const model = modelOn("gpu");
  const cache = model.makeCache();
  await model.forward(mx.array(PROMPT, "int32"), 0, cache).toCpu();
  const kernels = await mx.gpu.profile(async () => {
    await model.forward(mx.array(STEPS[0], "int32").reshape(1, 1), PROMPT[0].length, cache).toCpu();
  });
  const launches = (label: string) => kernels.find((k) => k.label === label)?.launches ?? 0;
  expect(launches("ropeIntoCache")).toBe(cache.length);
  expect(launches("rope")).toBe(0);
  expect(launches("copy")).toBeLessThan(cache.length); // none of the cache's two a layer (the embedding still copies once)
}, GPU_MS);
