// Held-out perplexity of the trained tiny model (packages/tiny-model/train), bf16 and its
// MLX 4-bit copy (with float32 and with int8 activations): what quantizing costs in quality, on real weights (random
// ones cannot show it). The held-out turns are WordNet words the model never saw
// (packages/tiny-model/trained/heldout.jsonl, written by wordnet_chat.py).
import * as fs from "node:fs";
import * as path from "node:path";
import * as mx from "@tiny-llm/array";
import { load } from "@tiny-llm/loader";
import { ensureTinyModels, TRAINED_MODEL_4BIT_DIR, TRAINED_MODEL_DIR, TRAINED_PACKS_DIR } from "@tiny-llm/tiny-model";
import type { Activations } from "@tiny-llm/tiny-llm-week2-ref";
import { loadSolution, type Solution } from "../solution";
import { now } from "./stats";
import { printColumns } from "./table";

/** Turns measured: the first of heldout.jsonl (all 2,177 take minutes a model). */
const TURNS = 200;
const IM_END = "<|im_end|>";

interface Turn {
  q: string;
  a: string;
}

/** Natural-log likelihood of each answer token (and the <|im_end|> after it) under `dir`'s model, summed, and their count. */
function answerNll(Model: NonNullable<Solution["Qwen2ModelWeek2"]>, dir: string, activations: Activations, turns: Turn[]): { nll: number; tokens: number } {
  const loaded = load(dir);
  const model = new Model(loaded, { activations });
  const end = loaded.tokenizer.encode(IM_END, { addSpecialTokens: false });
  let nll = 0;
  let tokens = 0;
  for (const turn of turns) {
    const prompt = loaded.tokenizer.encode(loaded.tokenizer.applyChatTemplate([{ role: "user", content: turn.q }], { addGenerationPrompt: true }), { addSpecialTokens: false });
    const answer = [...loaded.tokenizer.encode(turn.a, { addSpecialTokens: false }), ...end];
    const ids = [...prompt, ...answer];
    mx.tidy(() => {
      // Position t predicts token t + 1: the answer's tokens are predicted from P - 1 on.
      const logits = model.forward(mx.array([ids.slice(0, -1)], "int32"), 0, model.makeCache()); // 1 x (L - 1) x V
      const rows = mx.astype(logits.slice(0, `${prompt.length - 1}:`), "float32"); // A x V
      const picked = mx.takeAlongAxis(rows, mx.array(answer.map((id) => [id]), "int32"), 1); // A x 1
      nll += mx.sum(mx.subtract(mx.logsumexp(rows, 1, true), picked)).item() as number;
    });
    tokens += answer.length;
  }
  return { nll, tokens };
}

/** Prints the held-out perplexity of the trained model, bf16, 4-bit and 4-bit with int8 activations, side by side (week2_ref's model computes it). */
export async function benchPerplexity(): Promise<void> {
  ensureTinyModels();
  const { Qwen2ModelWeek2 } = await loadSolution("week2_ref");
  const file = path.join(TRAINED_PACKS_DIR, "heldout.jsonl");
  const turns = fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "").slice(0, TURNS).map((l) => JSON.parse(l) as Turn);
  const rows: string[][] = [];
  let bf16 = 0;
  const forms: [string, string, Activations][] = [
    ["bf16", TRAINED_MODEL_DIR, "float32"],
    ["MLX 4-bit, group 64", TRAINED_MODEL_4BIT_DIR, "float32"],
    ["MLX 4-bit, group 64, int8 activations", TRAINED_MODEL_4BIT_DIR, "int8"],
  ];
  for (const [form, dir, activations] of forms) {
    const start = now();
    const { nll, tokens } = answerNll(Qwen2ModelWeek2!, dir, activations, turns);
    const perplexity = Math.exp(nll / tokens);
    if (form === "bf16") bf16 = perplexity;
    rows.push([form, perplexity.toFixed(3), `${((perplexity / bf16 - 1) * 100).toFixed(1)}%`, `${tokens}`, `${(now() - start).toFixed(1)} s`]);
  }
  console.log(`\n== quality: held-out perplexity of the trained tiny model (the first ${turns.length} turns of ${path.relative(process.cwd(), file)}, answer tokens) ==`);
  printColumns(["weights", "perplexity", "vs bf16", "tokens", "time"], rows);
}
