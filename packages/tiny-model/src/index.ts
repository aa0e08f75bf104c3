// @tiny-llm/tiny-model: the tiny default model (a 2-layer Qwen2 with deterministic random
// weights and the real Qwen tokenizer), generated into models/ at install. See README.md.
export { ensureTinyModels, generatorVersion, TINY_MODEL_4BIT_DIR, TINY_MODEL_DIR, TINY_MODELS_ROOT, tinyModelDigest } from "./tiny-model";
export type { EnsureResult } from "./tiny-model";
export { TINY } from "./config";
export { quantizeAffine } from "./quantize";
export type { QuantizedTensor } from "./quantize";
