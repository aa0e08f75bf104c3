// The default model of `pnpm main` is the trained tiny model (packages/tiny-model/train):
// asked what a word means, its greedy answer is a WordNet-like definition. Judged against
// WordNet itself (Debian's wordnet-base, read by the script that made the training data).
import { spawnSync } from "child_process";
import * as path from "path";
import { ensureTinyModels } from "@tiny-llm/tiny-model";
import { main, ROOT } from "./run-cli";

const WORDNET_CHAT = path.join(ROOT, "packages", "tiny-model", "train", "wordnet_chat.py");

/** Words of 4 letters or more, lowercased, minus the ones every definition uses. */
function contentWords(text: string): Set<string> {
  const common = new Set(["that", "this", "with", "from", "into", "used", "which", "relating", "something", "especially"]);
  return new Set((text.toLowerCase().match(/[a-z]{4,}/g) ?? []).filter((w) => !common.has(w)));
}

beforeAll(() => {
  ensureTinyModels();
});

test("cli_main_default_model_defines_ocean_like_wordnet", () => {
  const wordnet = spawnSync("python3", [WORDNET_CHAT, "--define", "ocean"], { encoding: "utf8" });
  expect(wordnet.stderr).toBe("");
  expect(wordnet.status).toBe(0);
  const gloss = wordnet.stdout.trim(); // "ocean (noun): a large body of water constituting ..."
  expect(gloss).toMatch(/^ocean \(noun\): /);

  const r = main(["--solution", "week1_ref", "--max-tokens", "48"]);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/^stop: eos/m); // the reply ended by itself
  const answer = r.stdout.trim();
  // The answer's form, and at least three of the gloss's content words (large, body, water, ...).
  expect(answer).toMatch(/^ocean \(noun\): .+\.$/);
  const glossWords = contentWords(gloss.slice("ocean (noun):".length));
  const shared = [...contentWords(answer.slice("ocean (noun):".length))].filter((w) => glossWords.has(w));
  if (shared.length < 3) throw new Error(`the answer "${answer}" shares ${shared.length} content words with WordNet's "${gloss}" (${shared.join(", ")}); expected 3 or more`);
});
