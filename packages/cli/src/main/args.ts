// The command line of `pnpm main`: every option, its value's type and range, and the
// usage text. Both `--flag value` and `--flag=value`; each option at most once.
import type { Activations, KvDtype } from "@tiny-llm/tiny-llm-week2-ref";
import { SOLUTIONS, type SolutionName } from "../solution";
import { UsageError } from "./errors";

export const DEFAULT_PROMPT = "What does 'ocean' mean?";

/** What `pnpm main` was asked to do. */
export interface MainOptions {
  solution: SolutionName;
  /** Whose model and generation loop: 1 (recompute everything), 2 (KV cache); null: the default. */
  week: number | null;
  /** A folder or a Hugging Face id; null: the tiny model shipped with the repo. */
  model: string | null;
  prompt: string;
  /** A system message before the prompt (chat template only). */
  system: string | null;
  /** Send the prompt as is, without the chat template. */
  raw: boolean;
  /** Render the chat template with enable_thinking false (Qwen3: no thinking block). */
  noThink: boolean;
  device: "cpu" | "gpu";
  /** What week 2's quantized weights multiply: x itself, or x quantized to int8 per group. */
  activations: Activations;
  /** Week 2's KV cache dtype (Week2ModelOptions.kvDtype). */
  kvDtype: KvDtype;
  maxTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  minP?: number;
  /** null: pick one at random (and print it). */
  seed: number | null;
  /** Speculative decoding's draft model (a folder or a Hugging Face id); null: none. */
  draftModel: string | null;
  /** Tokens the draft proposes per round; null: the default (4). */
  numDraftTokens: number | null;
  /** Many prompts at once (week 2's continuous batching): a file of prompts, one a line; null: none. */
  promptsFile: string | null;
  /** How many requests: the file's first N prompts, or N made up; null: the file's all. */
  requests: number | null;
  /** Requests in flight at once (the rows of a decode step); null: the default (8). */
  batchSize: number | null;
  /** Most prompt tokens one prefill call runs; null: the default (128). */
  prefillStep: number | null;
  help: boolean;
}

export const USAGE = `usage: pnpm main [options]

Chat once with a Qwen2, Qwen2.5 or Qwen3 model: the prompt goes through the model's
chat template, the answer streams to stdout, and prompt / prefill / decode figures go
to stderr. Qwen3 checkpoints run on week 2's model (Qwen3ModelWeek2).

  --solution NAME    tiny_llm (your workbook, the default), week1_ref, week2_ref
  --week 1|2         week 1's model (recomputes the whole sequence every token) or
                     week 2's (KV cache, packed quantized weights, native kernels);
                     default: a reference's own week, 1 for your workbook
  --model M          a model folder, or a Hugging Face id already downloaded, e.g.
                     Qwen/Qwen2-0.5B-Instruct-MLX (default: the repo's tiny model, trained
                     on WordNet: it answers what a word means, its synonym, opposite, ...)
  --prompt TEXT      the user's message (default: "${DEFAULT_PROMPT}")
  --system TEXT      a system message before it
  --raw              no chat template: feed the prompt to the model as is
  --no-think         Qwen3: answer without thinking first (the chat template's
                     enable_thinking=false)
  --device cpu|gpu   where to run (default cpu; the GPU backend arrives in week 2)
  --activations float32|int8|float16
                     week 2, quantized checkpoints, CPU or GPU: multiply the packed weights by
                     the activations as they are (float32, the default) or quantized to
                     int8 per group as llama.cpp does (faster; about 0.4% error per input);
                     GPU with matrix units only: float16, the prefill's products in f16 on
                     them (subgroup matrices: NVIDIA's tensor cores)
  --kv-dtype float32|bfloat16|float16
                     week 2: the KV cache's dtype (default float32); bfloat16 or float16
                     halve its memory and what each step reads of it at long contexts
  --max-tokens N     stop after N new tokens (default 128)
  --temperature T    0 picks the most likely token (greedy, the default); > 0 samples
  --top-k K          sample among the K most likely tokens only
  --top-p P          ... among the most likely tokens whose probabilities add up to P, in (0, 1]
  --min-p P          ... among tokens at least P times as likely as the best, in [0, 1)
  --seed S           seed of the sampler (default: random, printed so a run can be repeated)
  --draft-model M    speculative decoding (week 2): M proposes tokens, the model checks
                     them; same output as the model alone (greedy), prints the acceptance
                     rate. Samples with --temperature only (no --top-k/--top-p/--min-p)
  --num-draft-tokens K
                     tokens the draft proposes per round (default 4; needs --draft-model)
  --prompts-file F   many prompts at once (week 2: continuous batching, chunked prefill):
                     F holds one prompt a line (blank lines skipped); each answer prints
                     when it ends, then output tokens/s, time to first token and time
                     between tokens (p50, p95)
  --requests N       many prompts: the first N of --prompts-file, or N made-up questions
  --batch-size B     many prompts: requests in flight at once (default 8)
  --prefill-step P   many prompts: most prompt tokens a prefill call runs (default 128)
  -h, --help         this text

Examples:
  pnpm main --solution week1_ref
  pnpm main --solution week1_ref --model Qwen/Qwen2-0.5B-Instruct-MLX --prompt "What is a KV cache?"
  pnpm main --solution week2_ref --model Qwen/Qwen2-0.5B-Instruct-MLX --max-tokens 256
  pnpm main --solution week2_ref --model mlx-community/Qwen3-0.6B-4bit --no-think
  pnpm main --solution week1_ref --model ./my-model --temperature 0.7 --top-p 0.8 --seed 42
  pnpm main --solution week2_ref --model Qwen/Qwen2-1.5B-Instruct --draft-model Qwen/Qwen2-0.5B-Instruct
  pnpm main --solution week2_ref --model Qwen/Qwen2-0.5B-Instruct-MLX --requests 16 --batch-size 8
Set TINY_LLM_DEBUG=1 to see the stack of an unexpected error.`;

type Kind = "string" | "flag" | "positive-int" | "number" | "seed";

interface Spec {
  key: keyof MainOptions;
  kind: Kind;
  /** What a good value looks like, for messages: "a positive integer, e.g. --max-tokens 128". */
  expected: string;
  /** Range check on numbers: true when the value is accepted. */
  check?: (x: number) => boolean;
  choices?: readonly string[];
}

const SPECS: Record<string, Spec> = {
  "--solution": { key: "solution", kind: "string", expected: `one of ${SOLUTIONS.join(", ")}`, choices: SOLUTIONS },
  "--week": { key: "week", kind: "positive-int", expected: "1 or 2, e.g. --week 2", check: (x) => x === 1 || x === 2 },
  "--model": { key: "model", kind: "string", expected: "a model folder or a Hugging Face id, e.g. --model Qwen/Qwen2-0.5B-Instruct-MLX" },
  "--prompt": { key: "prompt", kind: "string", expected: 'some text, e.g. --prompt "Hello!"' },
  "--system": { key: "system", kind: "string", expected: 'some text, e.g. --system "You are a helpful assistant."' },
  "--raw": { key: "raw", kind: "flag", expected: "no value" },
  "--no-think": { key: "noThink", kind: "flag", expected: "no value" },
  "--device": { key: "device", kind: "string", expected: "cpu or gpu", choices: ["cpu", "gpu"] },
  "--activations": { key: "activations", kind: "string", expected: "float32, int8 or float16", choices: ["float32", "int8", "float16"] },
  "--kv-dtype": { key: "kvDtype", kind: "string", expected: "float32, bfloat16 or float16", choices: ["float32", "bfloat16", "float16"] },
  "--max-tokens": { key: "maxTokens", kind: "positive-int", expected: "a positive integer, e.g. --max-tokens 128" },
  "--temperature": { key: "temperature", kind: "number", expected: "a number >= 0, e.g. --temperature 0.7 (0 is greedy)", check: (x) => x >= 0 },
  "--top-k": { key: "topK", kind: "positive-int", expected: "a positive integer, e.g. --top-k 20" },
  "--top-p": { key: "topP", kind: "number", expected: "a number in (0, 1], e.g. --top-p 0.8", check: (x) => x > 0 && x <= 1 },
  "--min-p": { key: "minP", kind: "number", expected: "a number in [0, 1), e.g. --min-p 0.05", check: (x) => x >= 0 && x < 1 },
  "--seed": { key: "seed", kind: "seed", expected: "an integer in [0, 2^53), e.g. --seed 42" },
  "--draft-model": { key: "draftModel", kind: "string", expected: "a model folder or a Hugging Face id, e.g. --draft-model Qwen/Qwen2-0.5B-Instruct-MLX" },
  "--num-draft-tokens": { key: "numDraftTokens", kind: "positive-int", expected: "a positive integer, e.g. --num-draft-tokens 4" },
  "--prompts-file": { key: "promptsFile", kind: "string", expected: "a file of prompts, one a line, e.g. --prompts-file prompts.txt" },
  "--requests": { key: "requests", kind: "positive-int", expected: "a positive integer, e.g. --requests 16" },
  "--batch-size": { key: "batchSize", kind: "positive-int", expected: "a positive integer, e.g. --batch-size 8" },
  "--prefill-step": { key: "prefillStep", kind: "positive-int", expected: "a positive integer, e.g. --prefill-step 128" },
  "--help": { key: "help", kind: "flag", expected: "no value" },
  "-h": { key: "help", kind: "flag", expected: "no value" },
};

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length];
}

function unknownOption(name: string): UsageError {
  const names = Object.keys(SPECS).filter((n) => n.startsWith("--"));
  const near = names.map((n) => ({ n, d: distance(name, n) })).sort((a, b) => a.d - b.d)[0];
  const hint = near && near.d <= Math.max(1, Math.floor(name.length / 4)) ? `did you mean ${near.n}? ` : "";
  return new UsageError(`unknown option ${name}; ${hint}expected one of ${names.join(", ")}, -h`);
}

function parseValue(name: string, spec: Spec, text: string): string | number {
  if (spec.kind === "string") {
    if (spec.choices && !spec.choices.includes(text)) throw new UsageError(`${name} ${JSON.stringify(text)} is not accepted; expected ${spec.expected}`);
    if (text === "" && (name === "--model" || name === "--prompt" || name === "--draft-model" || name === "--prompts-file")) throw new UsageError(`${name} is empty; expected ${spec.expected}`);
    return text;
  }
  const x = NUMBER.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isFinite(x)) throw new UsageError(`${name} ${JSON.stringify(text)} is not a number; expected ${spec.expected}`);
  if (spec.kind === "positive-int" && !(Number.isInteger(x) && x > 0)) throw new UsageError(`${name} ${text} is not a positive integer; expected ${spec.expected}`);
  if (spec.kind === "seed" && !(Number.isInteger(x) && x >= 0 && x <= Number.MAX_SAFE_INTEGER)) throw new UsageError(`${name} ${text} is out of range; expected ${spec.expected}`);
  if (spec.check && !spec.check(x)) throw new UsageError(`${name} ${text} is out of range; expected ${spec.expected}`);
  return x;
}

/** Parses the arguments after `pnpm main`; throws UsageError (exit 2) for anything wrong. */
export function parseArgs(argv: readonly string[]): MainOptions {
  const opts: MainOptions = {
    solution: "tiny_llm", week: null, model: null, prompt: DEFAULT_PROMPT, system: null, raw: false, noThink: false, device: "cpu", activations: "float32", kvDtype: "float32",
    maxTokens: 128, temperature: 0, seed: null, draftModel: null, numDraftTokens: null,
    promptsFile: null, requests: null, batchSize: null, prefillStep: null, help: false,
  };
  const seen = new Set<keyof MainOptions>();
  // pnpm may hand a literal `--` through (`pnpm main -- --raw`); it means nothing here.
  const args = argv.filter((a) => a !== "--");
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("-") || arg === "-") {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; expected options only (--name value), e.g. --prompt "${arg}"`);
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = SPECS[name];
    if (!spec) throw unknownOption(name);
    if (seen.has(spec.key) && spec.key !== "help") throw new UsageError(`${name} given twice; expected each option at most once`);
    seen.add(spec.key);
    if (spec.kind === "flag") {
      if (eq >= 0) throw new UsageError(`${name} takes no value (got ${JSON.stringify(arg.slice(eq + 1))}); expected ${name} alone`);
      (opts as unknown as Record<string, unknown>)[spec.key] = true;
      continue;
    }
    let text: string;
    if (eq >= 0) {
      text = arg.slice(eq + 1);
    } else {
      const next = args[i + 1];
      // "--prompt --raw" forgot the prompt; "-1" is a (bad) number, which its check reports.
      if (next === undefined || next.startsWith("--") || next === "-h") throw new UsageError(`${name} needs a value; expected ${spec.expected}`);
      text = next;
      i++;
    }
    (opts as unknown as Record<string, unknown>)[spec.key] = parseValue(name, spec, text);
  }
  checkSpeculative(opts);
  checkManyPrompts(opts, seen);
  return opts;
}

/** Whether `opts` asks for many prompts at once (--prompts-file or --requests). */
export function manyPrompts(opts: MainOptions): boolean {
  return opts.promptsFile !== null || opts.requests !== null;
}

/** The options that only mean something with many prompts, or not with them. */
function checkManyPrompts(opts: MainOptions, seen: ReadonlySet<keyof MainOptions>): void {
  if (!manyPrompts(opts)) {
    const knobs = (["--batch-size", "--prefill-step"] as const).filter((name) => seen.has(SPECS[name].key));
    if (knobs.length > 0) throw new UsageError(`${knobs.join(", ")} without many prompts; expected --prompts-file F or --requests N too`);
    return;
  }
  const many = opts.promptsFile !== null ? "--prompts-file" : "--requests";
  if (seen.has("prompt")) throw new UsageError(`--prompt with ${many}: --prompt is one prompt, ${many} many; expected one of them`);
  if (opts.draftModel !== null) throw new UsageError(`--draft-model with ${many}: speculative decoding runs one prompt at a time; expected one of them`);
}

/** The options that only mean something with --draft-model, or not with it. */
function checkSpeculative(opts: MainOptions): void {
  if (opts.draftModel === null) {
    if (opts.numDraftTokens !== null) throw new UsageError(`--num-draft-tokens ${opts.numDraftTokens} without --draft-model; expected a draft model too, e.g. --draft-model Qwen/Qwen2-0.5B-Instruct-MLX`);
    return;
  }
  const filters = (["--top-k", "--top-p", "--min-p"] as const).filter((name) => opts[SPECS[name].key] !== undefined);
  if (filters.length > 0) throw new UsageError(`${filters.join(", ")} with --draft-model: speculative decoding samples from softmax(logits / T) only; expected --temperature alone`);
}
