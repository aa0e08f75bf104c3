// Each week 2 model runs its own family: config.json's model_type picks the class, and
// the other class refuses the checkpoint, naming both (a Qwen3 read as Qwen2 would
// look for q/k/v biases it lacks; a Qwen2 read as Qwen3, for q_norm and k_norm).
import { load } from "@tiny-llm/loader";
import { ensureTinyModels, TINY_MODEL_DIR, TINY_QWEN3_DIR } from "@tiny-llm/tiny-model";
import * as ref from "@tiny-llm/tiny-llm-week2-ref";

beforeAll(() => ensureTinyModels());

test("week2_ref_qwen2_model_refuses_a_qwen3_checkpoint", () => {
  expect(() => new ref.Qwen2ModelWeek2(load(TINY_QWEN3_DIR))).toThrow(
    `Qwen2ModelWeek2: ${TINY_QWEN3_DIR} holds a Qwen3ForCausalLM checkpoint (model_type "qwen3"), expected model_type "qwen2"; build it with Qwen3ModelWeek2`,
  );
});

test("week2_ref_qwen3_model_refuses_a_qwen2_checkpoint", () => {
  expect(() => new ref.Qwen3ModelWeek2(load(TINY_MODEL_DIR))).toThrow(
    `Qwen3ModelWeek2: ${TINY_MODEL_DIR} holds a Qwen2ForCausalLM checkpoint (model_type "qwen2"), expected model_type "qwen3"; build it with Qwen2ModelWeek2`,
  );
});
