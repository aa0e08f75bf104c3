// @tiny-llm/tiny-model: the tiny models, made into models/ at install: the default one,
// a 6-layer Qwen2 trained on WordNet (weights committed in trained/), with its 4-bit copy
// and a draft; a 2-layer Qwen2 and a tiny Qwen3 with deterministic random weights for
// exact tests. All with the real Qwen tokenizer. See README.md.
export {
  ensureTinyModels, generatorVersion, TINY_MODEL_4BIT_DIR, TINY_MODEL_DIR, TINY_MODELS_ROOT, tinyModelDigest,
  TINY_QWEN3_DIR, TINY_QWEN3_4BIT_DIR, TINY_QWEN3_UNTIED_DIR, TINY_QWEN3_UNTIED_8BIT_DIR,
  TRAINED_DRAFT_DIR, TRAINED_MODEL_4BIT_DIR, TRAINED_MODEL_DIR,
} from "./tiny-model";
export { TRAINED_PACKS_DIR } from "./trained";
export type { EnsureResult } from "./tiny-model";
export { TINY } from "./config";
export type { TinyShapes } from "./config";
export { TINY_QWEN3 } from "./qwen3-config";
export { quantizeAffine } from "./quantize";
export type { QuantizedTensor } from "./quantize";
