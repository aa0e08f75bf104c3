// The tiny models (packages/tiny-model: random Qwen2, the trained Qwen2, and Qwen3 beside
// them) and their goldens from transformers (tests/golden/week1/tiny_model.safetensors and
// trained_model.safetensors, made by make_tiny_model_goldens.py; week2/qwen3.safetensors,
// by make_qwen3_goldens.py).
import * as path from "path";
import * as mx from "@tiny-llm/array";
import { load, LoadedModel } from "@tiny-llm/loader";
import { TINY_MODELS_ROOT, tinyModelDigest } from "@tiny-llm/tiny-model";
import { Golden, GoldenCase, loadGolden } from "./golden";

export const tinyGolden = loadGolden("week1", "tiny_model");
/** The trained model's goldens (make_tiny_model_goldens.py --set trained_model). */
export const trainedGolden = loadGolden("week1", "trained_model");

/** The cases of `op` in both fixtures, each with the fixture it came from (random model first). */
export function tinyModelCases(op: string): [Golden, GoldenCase][] {
  return [tinyGolden, trainedGolden].flatMap((g) => g.cases.filter((c) => c.op === op).map((c): [Golden, GoldenCase] => [g, c]));
}

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

/** load() of the case's checkpoint folder, its weights read onto the default device (the GPU under --device gpu). */
export function loadTinyModel(c: GoldenCase): LoadedModel {
  const loaded = load(tinyModelDir(c));
  loaded.weights.device = mx.defaultDevice();
  return loaded;
}
