// The prefix cache rows of `pnpm bench --part spec`: requests that share a 1,000-token
// system prompt, one after another, on a 4-bit model in Qwen2-0.5B's shapes with a
// PrefixCache: time to first token of each (the first prefills everything, the later ones
// only what follows the stored blocks). The bar: later requests' TTFT <= 20% of the first's.
import { load, type LoadedModel } from "@tiny-llm/loader";

import type { CachedModel, Solution, SolutionName } from "../solution";
import { printColumns } from "./table";

const SYSTEM_TOKENS = 1000;
const QUESTIONS = ["What is a KV cache?", "Who built the first stored-program computer?", "Why does decoding read every weight?", "What is a prefix cache for?"];
const TTFT_BAR = 0.2;

/** A system prompt of at least `tokens` tokens: one sentence repeated (the values do not matter to the timings). */
function systemPrompt(tokenizer: LoadedModel["tokenizer"], tokens: number): string {
  const sentence = "You are a careful assistant who answers questions about computer systems with facts, numbers and sources. ";
  let text = sentence;
  while (tokenizer.encode(text).length < tokens) text += sentence;
  return text;
}

/** Runs the rows on the 4-bit checkpoint in `dir`. */
export async function benchPrefixCache(impl: Required<Pick<Solution, "Qwen2ModelWeek2" | "PrefixCache" | "simpleGenerateWithPrefixCache">>, solution: SolutionName, dir: string): Promise<void> {
  const loaded = load(dir);
  const model: CachedModel = new impl.Qwen2ModelWeek2(loaded);
  loaded.weights.close();
  const { tokenizer } = loaded;
  const system = systemPrompt(tokenizer, SYSTEM_TOKENS);
  const prompt = (q: string) => tokenizer.applyChatTemplate([{ role: "system", content: system }, { role: "user", content: q }], { addGenerationPrompt: true });
  const prefixCache = new impl.PrefixCache(model, { maxBytes: 256 * 2 ** 20 });
  const opts = { maxTokens: 2, eosTokenIds: [] as number[], prefixCache };
  await impl.simpleGenerateWithPrefixCache(model, tokenizer, "Hello there, warming up.", opts); // warm-up (its blocks share nothing with the prompts)
  const rows: string[][] = [];
  let first = 0;
  const later: number[] = [];
  for (const [i, q] of QUESTIONS.entries()) {
    const r = await impl.simpleGenerateWithPrefixCache(model, tokenizer, prompt(q), opts);
    if (i === 0) first = r.prefillSeconds;
    else later.push(r.prefillSeconds / first);
    rows.push([`${i + 1}`, `${r.promptTokens}`, `${r.cachedTokens}`, `${r.promptTokens - r.cachedTokens}`, (r.prefillSeconds * 1000).toFixed(0), i === 0 ? "1.00" : (r.prefillSeconds / first).toFixed(3)]);
  }
  console.log(
    `\nPrefix cache (${solution}), 4-bit weights, a ${tokenizer.encode(system).length}-token system prompt shared by ${QUESTIONS.length} requests run one after another ` +
      `(PrefixCache of 256 MiB, blocks of ${prefixCache.blockSize} tokens); TTFT = the prefill and the first token:`,
  );
  printColumns(["request", "prompt tokens", "from the cache", "prefilled", "TTFT ms", "TTFT / first's"], rows);
  const worst = Math.max(...later);
  console.log(`later requests' TTFT: at most ${(worst * 100).toFixed(1)}% of the first's (bar <= ${TTFT_BAR * 100}%) ${worst <= TTFT_BAR ? "ok" : "ABOVE BAR"}; prefix cache holds ${(prefixCache.bytes / 2 ** 20).toFixed(1)} MiB in ${prefixCache.size} blocks`);
}
