// The tiny models (packages/tiny-model: Qwen2, and Qwen3 beside it) and their goldens from
// transformers (tests/golden/week1/tiny_model.safetensors, made by make_tiny_model_goldens.py;
// week2/qwen3.safetensors, by make_qwen3_goldens.py).
import * as path from "path";
import { load, LoadedModel } from "@tiny-llm/loader";
import { TINY_MODELS_ROOT, tinyModelDigest } from "@tiny-llm/tiny-model";
import { GoldenCase, loadGolden } from "./golden";

export const tinyGolden = loadGolden("week1", "tiny_model");

/** The checkpoint folder a case was made from; fails if its weights are not the ones the goldens saw. */
export function tinyModelDir(c: GoldenCase): string {
  const dir = path.join(TINY_MODELS_ROOT, c.params.model);
  const digest = tinyModelDigest(dir);
  if (digest !== c.params.modelSha256) {
    throw new Error(
      `${dir}/model.safetensors has sha256 ${digest}, but the goldens were made from ${c.params.modelSha256}: ` +
        "the tiny-model generator changed; rerun the script that made this fixture (tests/golden/week1/make_tiny_model_goldens.py, " +
        "week2/make_kv_cache_goldens.py or week2/make_qwen3_goldens.py)",
    );
  }
  return dir;
}

/** load() of the case's checkpoint folder. */
export function loadTinyModel(c: GoldenCase): LoadedModel {
  return load(tinyModelDir(c));
}
