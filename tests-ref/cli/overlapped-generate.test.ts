// main's overlappedGenerateWithKvCache (the host steps ahead of the device, GPU steps
// replayed from a graph where they can be) gives what week2_ref's simpleGenerateWithKvCache
// gives: the same tokens, text and stop, greedy and sampled, ended by EOS or by maxTokens,
// on the CPU and on the GPU (lavapipe in CI); after a reply ended by EOS, it leaves the
// GPU idle for the next prompt; and its loop, overlappedSteps, records as many steps ahead
// of the token it reads as it is asked for, and releases those a stop leaves unread.
import * as mx from "@tiny-llm/array";
import { load } from "@tiny-llm/loader";
import { ensureTinyModels, TRAINED_MODEL_DIR } from "@tiny-llm/tiny-model";
import * as ref from "@tiny-llm/tiny-llm-week2-ref";
import { makeSampler, type GenerateOptions, type Sampler } from "@tiny-llm/tiny-llm-week1-ref";

import { overlappedGenerateWithKvCache, overlappedSteps } from "../../packages/cli/src/main/overlapped-generate";

import { addOnes, describeDevices, describeGpu } from "../array/device";

beforeAll(() => ensureTinyModels());

describeDevices("cli overlappedGenerateWithKvCache", (device) => {
  let model: ref.Qwen2ModelWeek2;
  let loaded: ReturnType<typeof load>;
  beforeAll(() => {
    loaded = load(TRAINED_MODEL_DIR);
    loaded.weights.device = device;
    model = new ref.Qwen2ModelWeek2(loaded);
  });
  afterAll(() => loaded.weights.close());

  const prompt = (question: string) => loaded.tokenizer.applyChatTemplate([{ role: "user", content: question }], { addGenerationPrompt: true });
  // Each run gets its own sampler: a sampling one keeps its key from draw to draw.
  const greedy = () => makeSampler();
  const cases: [string, string, () => GenerateOptions & { sampler: Sampler }][] = [
    ["greedy_to_eos", "What does 'ocean' mean?", () => ({ maxTokens: 48, sampler: greedy() })],
    ["greedy_cut_by_max_tokens", "What is the opposite of 'old'?", () => ({ maxTokens: 3, sampler: greedy() })],
    ["one_token", "What does 'river' mean?", () => ({ maxTokens: 1, sampler: greedy() })],
    ["no_tokens", "What does 'river' mean?", () => ({ maxTokens: 0, sampler: greedy() })],
    ["sampled_seeded", "What is 'dog' a kind of?", () => ({ maxTokens: 24, sampler: makeSampler({ temperature: 0.9, topK: 20, seed: 5 }) })],
  ];
  for (const [name, question, opts] of cases) {
    test(`cli_overlapped_generate_${name}_equals_week2_ref_simple_generate`, async () => {
      const eosTokenIds = loaded.eosTokenIds;
      const simple = await ref.simpleGenerateWithKvCache(model, loaded.tokenizer, prompt(question), { ...opts(), eosTokenIds });
      const streamed: string[] = [];
      const overlapped = await overlappedGenerateWithKvCache(model, loaded.tokenizer, prompt(question), { ...opts(), eosTokenIds, onText: (t) => streamed.push(t) });
      const { tokens, text, stopReason, promptTokens } = simple;
      expect({ tokens: overlapped.tokens, text: overlapped.text, stopReason: overlapped.stopReason, promptTokens: overlapped.promptTokens }).toEqual({ tokens, text, stopReason, promptTokens });
      expect(streamed.join("")).toBe(text);
      if (name === "greedy_to_eos") expect(stopReason).toBe("eos");
      if (name === "greedy_cut_by_max_tokens") expect({ stopReason, n: tokens.length }).toEqual({ stopReason: "length", n: 3 });
      // On the GPU greedy steps are replayed from a graph; sampled ones upload the sampler's
      // draw each step, so no pair of them makes a graph (DecodeGraph says why).
      const replays = { steps: overlapped.replayedSteps, why: overlapped.replayRefusal };
      if (device === "cpu") expect(replays).toEqual({ steps: 0, why: null });
      if (device === "gpu" && name === "greedy_to_eos") expect(replays.steps).toBeGreaterThan(0);
      if (device === "gpu" && name === "sampled_seeded") expect(replays).toEqual({ steps: 0, why: expect.stringMatching(/^the step cannot be replayed: it writes host data into a GPU buffer \(an upload\)/) });
    }, 120_000); // lavapipe runs the GPU's kernels on the CPU
  }
});

describeGpu("cli overlappedGenerateWithKvCache after a stop", () => {
  test("cli_overlapped_generate_leaves_the_gpu_idle_after_a_stop", async () => {
    // EOS stops the loop with the next step recorded and submitted ahead; the generation
    // waits for it, so that the next prompt's launches start in a small batch (the GPU
    // begins while the host records the rest), not in a decode step's full one.
    const loaded = load(TRAINED_MODEL_DIR);
    loaded.weights.device = "gpu";
    const model = new ref.Qwen2ModelWeek2(loaded);
    loaded.weights.close();
    const prompt = loaded.tokenizer.applyChatTemplate([{ role: "user", content: "What does 'ocean' mean?" }], { addGenerationPrompt: true });
    const r = await overlappedGenerateWithKvCache(model, loaded.tokenizer, prompt, { maxTokens: 48, sampler: makeSampler(), eosTokenIds: loaded.eosTokenIds });
    expect(r.stopReason).toBe("eos");
    const { x, batches } = addOnes(mx.zeros([8]).toDevice("gpu"), 20);
    expect(batches).toEqual([16]);
    expect(await x.toArrayAsync()).toEqual(new Array(8).fill(20));
    mx.dispose(x);
  }, 120_000); // lavapipe runs the GPU's kernels on the CPU
});

describeGpu("cli overlappedSteps", () => {
  /**
   * Runs `steps` steps that each add 1 to the token before it, `ahead` ahead, stopping
   * after `stopAt` tokens: the tokens taken, at each take how many steps were recorded and
   * how many submits came since the last recording, and how many of the steps' tokens
   * the loop left unreleased.
   */
  const addSteps = async (steps: number, ahead: number, stopAt = steps) => {
    const submitsAfterRecord: number[] = [];
    const taken: { token: number; recorded: number; submitsSince: number }[] = [];
    const tokens: mx.array[] = [];
    await overlappedSteps(
      (prev) => {
        const token = mx.tidy(() => (prev ?? mx.array([[0]], "int32")).add(1));
        tokens.push(token);
        submitsAfterRecord.push(mx.gpu.stats().submits);
        return token;
      },
      steps,
      (token) => {
        const recorded = submitsAfterRecord.length;
        taken.push({ token, recorded, submitsSince: mx.gpu.stats().submits - submitsAfterRecord[recorded - 1] });
        return taken.length < stopAt;
      },
      ahead,
    );
    return { taken, leaked: tokens.filter((t) => !t.released).length };
  };

  test("cli_overlapped_steps_submit_each_step_once_it_is_recorded", async () => {
    // One ahead: when token t is taken, step t + 1 is recorded, and the loop has submitted
    // once since: step t + 1 with its read, so that the GPU runs it while the host waits
    // for token t (token t's read was submitted with step t, before the recording).
    const { taken, leaked } = await addSteps(4, 1);
    expect(taken.map((t) => t.token)).toEqual([1, 2, 3, 4]);
    expect(taken.slice(0, 3).map((t) => [t.recorded, t.submitsSince])).toEqual([[2, 1], [3, 1], [4, 1]]);
    expect(leaked).toBe(0);
  });

  test("cli_overlapped_steps_record_ahead_steps_before_a_token_is_read", async () => {
    // Three ahead (GPU_STEPS_AHEAD): token 1 is taken with step 2 recorded, token 2 with steps
    // up to 4, and each later token t with t + 1 .. t + 3, up to the last step; a stop
    // releases the steps recorded after it unread.
    const { taken, leaked } = await addSteps(8, 3);
    expect(taken.map((t) => [t.token, t.recorded])).toEqual([[1, 2], [2, 4], [3, 6], [4, 7], [5, 8], [6, 8], [7, 8], [8, 8]]);
    expect(leaked).toBe(0);
    const stopped = await addSteps(8, 3, 3);
    expect(stopped.taken.map((t) => [t.token, t.recorded])).toEqual([[1, 2], [2, 4], [3, 6]]);
    expect(stopped.leaked).toBe(0);
    await expect(addSteps(8, 0)).rejects.toThrow("overlappedSteps: ahead must be an integer >= 1 (steps recorded before a token is read), got 0");
  });
});
