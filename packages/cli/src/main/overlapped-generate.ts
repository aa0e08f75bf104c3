// Generation that keeps a GPU busy: the host records the steps after step t before it
// reads step t's token back.
//
// A GPU runs a step's kernels only after the host has recorded them. When the host reads
// each token back before it records the next step (simpleGenerateWithKvCache), the two
// take turns, and each idles while the other works: on an H200, a decode step of the
// 0.5B model is about 7-10 ms of recording and 2 ms of GPU time. Here the sampled token
// never has to leave the GPU to become the next step's input: step t + 1 reads it as a
// GPU array, and the host reads it back only to stream its text, while the GPU already
// runs step t + 1 (and, recorded further ahead, the steps after it: GPU_STEPS_AHEAD).
// The price is the steps recorded for nothing when token t ends the reply. Serving
// engines do the same (vLLM's asynchronous scheduling, SGLang's overlap scheduler).
//
// It is `pnpm main`'s loop for week 2's models on the GPU, whatever the solution: it needs
// of a solution only its model and its sampler.
import * as mx from "@tiny-llm/array";
import { StreamingDetokenizer, type Tokenizer } from "@tiny-llm/loader";
import type { GenerateOptions, GenerateResult, Sampler } from "@tiny-llm/tiny-llm-week1-ref";

import type { CachedModel } from "../solution";
import { DecodeGraph } from "./decode-graph";

/** simpleGenerateWithKvCache's options, `sampler` required, and whether GPU decode steps may be replayed (default true). */
export type OverlappedOptions = GenerateOptions & { sampler: Sampler; replay?: boolean };

/** simpleGenerateWithKvCache's result, how many decode steps were replayed from a graph, and why the last pair of steps made none (DecodeGraph.refusal). */
export type ReplayedResult = GenerateResult & { replayedSteps: number; replayRefusal: string | null };

/**
 * A solution's simpleGenerateWithKvCache with the host steps ahead of the device: the
 * same tokens, options and result (`sampler` is required here), and the decode steps
 * replayed from a graph rather than recorded (decode-graph.ts) where the model's
 * caches and launches allow it. On the CPU, where a step's ops run as they are called, it
 * changes nothing but the order of the work.
 */
export async function overlappedGenerateWithKvCache(model: CachedModel, tokenizer: Tokenizer, prompt: string, opts: OverlappedOptions): Promise<ReplayedResult> {
  const { maxTokens = 256, sampler, onText } = opts;
  const eos = new Set(opts.eosTokenIds ?? (tokenizer.eosTokenId === null ? [] : [tokenizer.eosTokenId]));
  const ids = tokenizer.encode(prompt);
  const detokenizer = new StreamingDetokenizer(tokenizer, { skipSpecialTokens: true });
  const emit = (text: string) => {
    if (text !== "" && onText) onText(text);
  };
  const cache = model.makeCache();
  let offset = 0;
  /** Records a step on `inputs` (1 x L ids); its token, 1 x 1, not read back yet. */
  const record = (inputs: mx.array): mx.array =>
    mx.tidy(() => {
      const logits = model.forward(inputs, offset, cache, { lastOnly: true }); // 1 x 1 x V
      return sampler(logits.reshape(1, logits.shape[2])).reshape(1, 1);
    });
  // Decode steps on the GPU replayed where they can be (DecodeGraph), unless opts.replay is false.
  let graph = null as DecodeGraph | null; // (set inside step: a plain annotation would narrow it to null below)
  let onGpu = false as boolean;
  const step = (prev: mx.array | null): mx.array => {
    const inputs = prev ?? mx.array([ids], "int32");
    onGpu ||= prev?.device === "gpu";
    if (prev?.device === "gpu" && opts.replay !== false) graph ??= new DecodeGraph(cache);
    const next = graph !== null ? graph.step(inputs, record) : record(inputs);
    offset += inputs.shape[1];
    return next;
  };

  const tokens: number[] = [];
  let stopReason: GenerateResult["stopReason"] = "length";
  const start = performance.now();
  let prefillEnd = start;
  await overlappedSteps(step, maxTokens, (token) => {
    if (tokens.length === 0) prefillEnd = performance.now();
    if (eos.has(token)) {
      stopReason = "eos";
      return false;
    }
    tokens.push(token);
    emit(detokenizer.add(token));
    return true;
  }, GPU_STEPS_AHEAD);
  const end = performance.now();
  // A stop (EOS) leaves the steps recorded ahead of it running on the GPU. Waiting for them
  // here, after the reply's last token, leaves the GPU idle, so that the next prompt's
  // prefill goes in small first batches while the host records the rest (context.ts),
  // not in batches as full as a decode step's.
  if (onGpu) await mx.gpu.synchronize();
  graph?.release();
  emit(detokenizer.finish());
  return {
    text: detokenizer.text,
    tokens,
    promptTokens: ids.length,
    prefillSeconds: (prefillEnd - start) / 1000,
    decodeSeconds: (end - prefillEnd) / 1000,
    stopReason,
    replayedSteps: graph?.replayed ?? 0,
    replayRefusal: graph?.refusal ?? null,
  };
}

/**
 * Steps a decode on the GPU records ahead of the token it reads (overlappedSteps' `ahead`).
 * Where the GPU sets the pace, one step ahead still leaves it idle whenever a read comes
 * back late or the host pauses (a garbage collection): Qwen2-7B's shapes, int8 x, on an
 * H200 whose host replayed and submitted a step in 1.8 ms against the GPU's 2.6, 300 and
 * 307 tokens a second one step ahead, 315 and 323 three ahead, alternated in one process;
 * on a slower host (2.6 ms a step), 271-288 against 282-286. At 0.5B, where the host sets
 * the pace, the two differ by less than the noise. The price: up to three steps computed
 * in vain when a token ends the reply.
 */
export const GPU_STEPS_AHEAD = 3;

/**
 * The loop itself. `record(prev)` records a step and returns its token (a 1 x 1 array, not
 * read back), `prev` being the previous step's token (null for the first step). Tokens are
 * read back in order and handed to `take`, which says whether to go on. On a GPU, each
 * token is read only once the `ahead` steps after it are recorded and submitted (each
 * step's read starts as soon as the step is recorded, so that it waits for that step
 * alone), the first token one step ahead and each next a step further up to `ahead`; on
 * the CPU, where a step runs as it is recorded, one step goes ahead whatever `ahead`
 * says. At most `maxSteps` steps; those recorded ahead of a stop are released unread.
 */
export async function overlappedSteps(record: (prev: mx.array | null) => mx.array, maxSteps: number, take: (token: number) => boolean, ahead = 1): Promise<void> {
  if (!(Number.isInteger(ahead) && ahead >= 1)) throw new RangeError(`overlappedSteps: ahead must be an integer >= 1 (steps recorded before a token is read), got ${ahead}`);
  /** Steps recorded and not yet taken, oldest first, each with its read (started: it submits the step). */
  const pending: { token: mx.array; read: Promise<unknown> }[] = [];
  let recorded = 0;
  const recordNext = () => {
    const token = record(pending.at(-1)?.token ?? null);
    recorded++;
    pending.push({ token, read: token.itemAsync() });
  };
  if (maxSteps > 0) recordNext();
  const depth = pending[0]?.token.device === "gpu" ? ahead : 1;
  // The first token (the prefill's) is read one step ahead and each later one a step
  // further, up to `depth`: recording steps ahead costs the host time, and the reply's
  // first token should not wait for it.
  for (let taken = 0; pending.length > 0; taken++) {
    while (pending.length <= Math.min(depth, taken + 1) && recorded < maxSteps) recordNext();
    const { token, read } = pending.shift()!;
    const value = (await read) as number;
    mx.dispose(token); // the next step's input is a later token, or there is none
    if (!take(value)) break;
  }
  for (const { token, read } of pending) {
    read.catch(() => undefined); // unread: the generation's next read or synchronize reports a GPU error
    mx.dispose(token);
  }
}
