// The trained tiny model and its 1-layer draft (packages/tiny-model/train) agree most of the
// time: speculative decoding with them keeps the target's greedy answer, token for token,
// and the draft's proposals are kept often enough to matter (random weights cannot show it:
// there the draft of a 4-bit copy agrees about a fifth of the time).
import { load } from "@tiny-llm/loader";
import { ensureTinyModels, TRAINED_DRAFT_DIR, TRAINED_MODEL_DIR } from "@tiny-llm/tiny-model";
import * as ref from "@tiny-llm/tiny-llm-week2-ref";

beforeAll(() => ensureTinyModels());

const QUESTIONS = ["What does 'ocean' mean?", "What is the opposite of 'old'?", "What does 'river' mean?", "What is 'dog' a kind of?"];

test("week2_ref_trained_draft_keeps_the_greedy_answer_and_agrees_often", async () => {
  const target = load(TRAINED_MODEL_DIR);
  const draft = load(TRAINED_DRAFT_DIR);
  const [targetModel, draftModel] = [new ref.Qwen2ModelWeek2(target), new ref.Qwen2ModelWeek2(draft)];
  let drafted = 0;
  let accepted = 0;
  for (const question of QUESTIONS) {
    const prompt = target.tokenizer.applyChatTemplate([{ role: "user", content: question }], { addGenerationPrompt: true });
    const opts = { maxTokens: 48, eosTokenIds: target.eosTokenIds };
    const alone = await ref.simpleGenerateWithKvCache(targetModel, target.tokenizer, prompt, opts);
    const spec = await ref.speculativeGenerate(targetModel, draftModel, target.tokenizer, prompt, { ...opts, numDraftTokens: 3 });
    expect({ question, tokens: spec.tokens }).toEqual({ question, tokens: alone.tokens });
    expect(alone.stopReason).toBe("eos");
    drafted += spec.draftedTokens;
    accepted += spec.acceptedTokens;
  }
  const rate = accepted / drafted;
  if (rate < 0.4) throw new Error(`the draft's tokens were kept ${accepted} of ${drafted} times (${rate.toFixed(2)}); expected 0.4 or more of the trained pair`);
});
