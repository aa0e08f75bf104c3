// Generation that keeps a GPU busy: the host records step t + 1 before it reads step t's
// token back.
//
// A GPU runs a step's kernels only after the host has recorded them. When the host reads
// each token back before it records the next step (simpleGenerateWithKvCache), the two
// take turns, and each idles while the other works: on an H200, a decode step of the
// 0.5B model is about 7-10 ms of recording and 2 ms of GPU time. Here the sampled token
// never has to leave the GPU to become the next step's input: step t + 1 reads it as a
// GPU array, and the host reads it back only to stream its text, while the GPU already
// runs step t + 1. The price is one step recorded for nothing when token t ends the
// reply. Serving engines do the same (vLLM's asynchronous scheduling, SGLang's overlap
// scheduler).
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
 * A solution's simpleGenerateWithKvCache with the host one step ahead of the device: the
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
  });
  const end = performance.now();
  // A stop (EOS) leaves the step recorded ahead of it running on the GPU. Waiting for it
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
 * The loop itself. `record(prev)` records a step and returns its token (a 1 x 1 array, not
 * read back), `prev` being the previous step's token (null for the first step). Tokens are
 * read back in order and handed to `take`, which says whether to go on; each step after
 * the first is recorded before the token of the step before it is read. At most
 * `maxSteps` steps; one recorded ahead of a stop is released unread.
 */
export async function overlappedSteps(record: (prev: mx.array | null) => mx.array, maxSteps: number, take: (token: number) => boolean): Promise<void> {
  let pending = maxSteps > 0 ? record(null) : null;
  for (let n = 1; pending !== null; n++) {
    const reading = pending.itemAsync(); // submits what is recorded
    // The step after this token, recorded while the device runs this one, and sent to the
    // GPU whole: it runs once this one is done, while the host waits for the token.
    const ahead = n < maxSteps ? record(pending) : null;
    if (ahead?.device === "gpu") mx.gpu.submit();
    const token = (await reading) as number;
    mx.dispose(pending);
    pending = ahead;
    if (!take(token)) break;
  }
  if (pending !== null) mx.dispose(pending); // the step after a stop
}
