// @tiny-llm/loader: the course's mlx_lm.load. Finds a Qwen2 checkpoint (a folder, or a
// Hugging Face id in the local cache) and reads its config, safetensors weights,
// tokenizer and chat template. See README.md.
export { LoaderError } from "./errors";
export { hfHubCacheDir, resolveModelPath } from "./model-path";
export { readModelConfig, SUPPORTED_ARCHITECTURES } from "./config";
export type { ModelType, Qwen2Config } from "./config";
export { SUPPORTED_BITS } from "./quantization";
export type { QuantizationConfig } from "./quantization";
export { eosTokenIds, readGenerationConfig } from "./generation-config";
export type { GenerationConfig } from "./generation-config";
export { openSafetensors, SafetensorsFile } from "./safetensors";
export type { TensorInfo } from "./safetensors";
export { SAFETENSORS_DTYPES } from "./safetensors-format";
export { writeSafetensors } from "./safetensors-write";
export { Checkpoint, openCheckpoint } from "./checkpoint";
export type { CheckpointTensorInfo } from "./checkpoint";
export { loadTokenizer, Tokenizer } from "./tokenizer";
export type { ChatMessage, ChatTemplateOptions } from "./tokenizer";
export { QWEN2_CHAT_TEMPLATE, readChatTemplate } from "./chat-template";
export { StreamingDetokenizer } from "./streaming-detokenizer";
export type { Decoder } from "./streaming-detokenizer";
export { qwenTokenizerFiles, writeQwenTokenizer } from "./qwen-tokenizer";
export { load } from "./load";
export type { LoadedModel } from "./load";
