// @tiny-llm/tiny-model: the tiny default model (a 2-layer Qwen2 with deterministic random
// weights and the real Qwen tokenizer) and a tiny Qwen3 beside it, generated into
// models/ at install. See README.md.
export {
  ensureTinyModels, generatorVersion, TINY_MODEL_4BIT_DIR, TINY_MODEL_DIR, TINY_MODELS_ROOT, tinyModelDigest,
  TINY_QWEN3_DIR, TINY_QWEN3_4BIT_DIR, TINY_QWEN3_UNTIED_DIR, TINY_QWEN3_UNTIED_8BIT_DIR,
} from "./tiny-model";
export type { EnsureResult } from "./tiny-model";
export { TINY } from "./config";
export type { TinyShapes } from "./config";
export { TINY_QWEN3 } from "./qwen3-config";
export { quantizeAffine } from "./quantize";
export type { QuantizedTensor } from "./quantize";
