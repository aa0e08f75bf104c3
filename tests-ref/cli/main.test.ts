// `pnpm main` as a user runs it: a child process (node + tsx on packages/cli/src/main.ts),
// its exit status, what it streams to stdout and the one line it prints on stderr when
// something is wrong. Each spawn costs about 0.5 s (bad flags: nothing is loaded) to
// 2 s (a model is loaded).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { load } from "@tiny-llm/loader";
import { tinyGolden, tinyModelDir } from "../../tests/helpers/tiny-model";
import { ensureTinyModels, TINY_MODEL_4BIT_DIR, TINY_MODEL_DIR, TINY_QWEN3_DIR, TRAINED_MODEL_DIR } from "@tiny-llm/tiny-model";
import { loadGolden } from "../../tests/helpers/golden";
import { main, ROOT, run, type Run } from "./run-cli";
import * as ref from "@tiny-llm/tiny-llm-week1-ref";
import * as week2 from "@tiny-llm/tiny-llm-week2-ref";

/** Exit `code`, nothing on stdout, and exactly one `main: ...` line on stderr (returned), no stack. */
function oneLineError(r: Run, code: number): string {
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.status).toBe(code);
  expect(r.stdout).toBe("");
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  const errors = lines.filter((l) => l.startsWith("main: "));
  expect(errors).toHaveLength(1);
  // Around it only the "Loading ..." line and, for a bad command line, the pointer to --help.
  const others = lines.filter((l) => !l.startsWith("main: ") && !l.startsWith("Loading ") && l !== "Run `pnpm main --help` for the options.");
  expect(others).toEqual([]);
  return errors[0];
}

const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-cli-"));
  tmpDirs.push(d);
  return d;
}

beforeAll(() => {
  ensureTinyModels();
});
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

test("cli_main_week1_ref_tiny_model_streams_the_greedy_answer_and_speed", async () => {
  const r = main(["--solution", "week1_ref", "--temperature", "0", "--max-tokens=8"]);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.status).toBe(0);
  expect(r.stderr).toContain(`Loading ${TRAINED_MODEL_DIR} (week1_ref, week 1)...`);
  expect(r.stderr).toMatch(/^prompt: \d+ tokens, prefill [\d.]+ tokens\/s/m);
  expect(r.stderr).toMatch(/^generated: \d+ tokens, decode [\d.]+ tokens\/s/m);
  expect(r.stderr).toMatch(/^stop: (length|eos)/m);

  // What streamed is what the reference generates from the chat-templated default prompt.
  const loaded = load(TRAINED_MODEL_DIR);
  const model = new ref.Qwen2ModelWeek1(loaded);
  const prompt = loaded.tokenizer.applyChatTemplate([{ role: "user", content: "What does 'ocean' mean?" }], { addGenerationPrompt: true });
  const expected = await ref.simpleGenerate(model, loaded.tokenizer, prompt, { maxTokens: 8, eosTokenIds: loaded.eosTokenIds });
  expect(expected.text.length).toBeGreaterThan(0);
  expect(r.stdout).toBe(expected.text.endsWith("\n") ? expected.text : expected.text + "\n");
  expect(r.stderr).toContain(`prompt: ${expected.promptTokens} tokens`);
});

test("cli_main_sampling_prints_its_seed_and_repeats_with_it", () => {
  const first = main(["--solution", "week1_ref", "--temperature", "0.9", "--top-p", "0.95", "--max-tokens", "6"]);
  expect(first.status).toBe(0);
  const seed = /seed (\d+) \(repeat with --seed \1\)/.exec(first.stderr)?.[1];
  expect(seed).toBeDefined();
  // Again with that seed, from the model's parent folder with a relative --model.
  const again = main(["--solution=week1_ref", "--temperature=0.9", "--top-p=0.95", "--max-tokens=6", "--seed", seed!, "--model", path.basename(TRAINED_MODEL_DIR)],
    { cwd: path.dirname(TRAINED_MODEL_DIR) });
  expect(again.status).toBe(0);
  expect(again.stdout).toBe(first.stdout);
});

test("cli_main_workbook_stub_names_the_exercise_and_its_test_command", () => {
  const r = main(["--solution", "tiny_llm", "--max-tokens", "2"]);
  const line = oneLineError(r, 1);
  expect(line).toMatch(/is not implemented yet/);
  expect(line).toMatch(/`pnpm test -k week_1_day_\d+_task_\d+`/);
  expect(line).toContain("--solution week1_ref");
});

test("cli_main_workbook_week_2_stub_points_to_week2_ref", () => {
  const line = oneLineError(main(["--solution", "tiny_llm", "--week", "2", "--max-tokens", "2"]), 1);
  // The model is day 1's task, and day 6's (a batch at per-row offsets).
  expect(line).toMatch(/your Qwen2ModelWeek2 is not implemented yet \(week_2_day_1_task_2, week_2_day_6_task_2; book: week2-01-kv-cache\.md\)/);
  expect(line).toMatch(/`pnpm test -k "week_2_day_1_task_2 or week_2_day_6_task_2"`, or run a reference with --solution week2_ref$/);
});

test("cli_main_runs_the_workbook_from_its_sources", () => {
  // A learner's edit shows on the next run: the stack of the stub is in src/, not a built dist/.
  const r = main(["--solution", "tiny_llm", "--max-tokens", "2"], { env: { TINY_LLM_DEBUG: "1" } });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(path.join("packages", "tiny-llm", "src") + path.sep);
  expect(r.stderr).not.toContain(path.join("packages", "tiny-llm", "dist"));
});

test("cli_main_max_tokens_past_the_context_says_what_was_used", async () => {
  const prompt = "Once upon a time";
  const promptTokens = load(TINY_MODEL_DIR).tokenizer.encode(prompt).length;
  const dir = tmpDir();
  for (const f of fs.readdirSync(TINY_MODEL_DIR)) fs.symlinkSync(path.join(TINY_MODEL_DIR, f), path.join(dir, f));
  const config = JSON.parse(fs.readFileSync(path.join(TINY_MODEL_DIR, "config.json"), "utf8"));
  fs.rmSync(path.join(dir, "config.json"));
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...config, max_position_embeddings: promptTokens + 3 }));

  const r = main(["--solution", "week1_ref", "--model", dir, "--raw", "--prompt", prompt, "--max-tokens", "10"]);
  expect(r.status).toBe(0);
  const used = `3 tokens, what the model's context of ${promptTokens + 3} leaves after the ${promptTokens}-token prompt`;
  expect(r.stderr).toContain(`--max-tokens 10 would pass the model's context: generating at most ${used}`);
  const loaded = load(dir);
  const expected = await ref.simpleGenerate(new ref.Qwen2ModelWeek1(loaded), loaded.tokenizer, prompt, { maxTokens: 3, eosTokenIds: loaded.eosTokenIds });
  expect(r.stderr).toContain(expected.stopReason === "length" ? `stop: length (${used})` : "stop: eos");
});

/** pnpm itself: the one running this test, else the one on PATH. */
function pnpm(args: string[], cwd: string): Run {
  const execPath = process.env.npm_execpath ?? "";
  const [cmd, pre] = /pnpm\.c?js$/.test(execPath) ? [process.execPath, [execPath]] : ["pnpm", []];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["npm_lifecycle_event", "INIT_CWD", "TINY_LLM_DEBUG"]) delete env[k];
  const r = spawnSync(cmd, [...pre, ...args], { cwd, env, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("cli_pnpm_main_from_a_subfolder_takes_relative_model_paths_from_there", () => {
  const cwd = path.join(ROOT, "book"); // a folder of the repository without a package.json
  const model = path.relative(cwd, TINY_MODEL_DIR);
  const r = pnpm(["main", "--solution", "week1_ref", "--model", model, "--max-tokens", "2"], cwd);
  expect(r.stderr).toContain(`Loading ${TINY_MODEL_DIR} (week1_ref, week 1)...`);
  expect(r.status).toBe(0);
});

test("cli_pnpm_main_error_is_not_followed_by_pnpm_recursive_run_noise", () => {
  const r = pnpm(["main", "--solution", "week9_ref"], ROOT);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^main: --solution "week9_ref" is not accepted/m);
  expect(r.stderr + r.stdout).not.toMatch(/ERR_PNPM|Exit status/);
});

const badFlags: [string, string[], RegExp][] = [
  ["unknown_flag", ["--tempreature", "1"], /^main: unknown option --tempreature; did you mean --temperature\?/],
  ["positional_argument", ["hello"], /^main: unexpected argument "hello"; expected options only/],
  ["missing_value_at_end", ["--max-tokens"], /^main: --max-tokens needs a value; expected a positive integer/],
  ["missing_value_before_flag", ["--prompt", "--raw"], /^main: --prompt needs a value/],
  ["non_numeric", ["--temperature", "hot"], /^main: --temperature "hot" is not a number; expected a number >= 0/],
  ["negative_temperature", ["--temperature=-0.5"], /^main: --temperature -0.5 is out of range; expected a number >= 0/],
  ["top_p_zero", ["--top-p", "0"], /^main: --top-p 0 is out of range; expected a number in \(0, 1\]/],
  ["top_p_above_one", ["--top-p", "1.5"], /^main: --top-p 1.5 is out of range/],
  ["min_p_one", ["--min-p", "1"], /^main: --min-p 1 is out of range; expected a number in \[0, 1\)/],
  ["top_k_zero", ["--top-k", "0"], /^main: --top-k 0 is not a positive integer/],
  ["top_k_fraction", ["--top-k", "2.5"], /^main: --top-k 2.5 is not a positive integer/],
  ["max_tokens_zero", ["--max-tokens=0"], /^main: --max-tokens 0 is not a positive integer/],
  ["seed_negative", ["--seed", "-3"], /^main: --seed -3 is out of range; expected an integer in \[0, 2\^53\)/],
  ["flag_given_twice", ["--seed", "1", "--seed", "2"], /^main: --seed given twice/],
  ["raw_with_value", ["--raw=yes"], /^main: --raw takes no value/],
  ["unknown_solution", ["--solution", "week9_ref"], /^main: --solution "week9_ref" is not accepted; expected one of tiny_llm, week1_ref, week2_ref/],
  ["week_past_the_solution", ["--solution", "week1_ref", "--week", "2"], /^main: --week 2: week1_ref covers weeks up to 1; use --solution week2_ref or --week 1$/],
  ["week_out_of_range", ["--week", "3"], /^main: --week 3 is out of range; expected 1 or 2/],
  ["unknown_device", ["--device", "tpu"], /^main: --device "tpu" is not accepted; expected cpu or gpu/],
];

test.each(badFlags)("cli_main_bad_flag_%s_exits_2_with_one_line", (_name, args, pattern) => {
  const r = main(args);
  expect(oneLineError(r, 2)).toMatch(pattern);
});

test("cli_main_help_prints_the_options", () => {
  const r = main(["--help"]);
  expect(r.status).toBe(0);
  for (const flag of ["--solution", "--model", "--prompt", "--device", "--max-tokens", "--temperature", "--top-k", "--top-p", "--min-p", "--seed", "--system", "--raw"]) {
    expect(r.stdout).toContain(flag);
  }
});

describe("cli_main_model_errors", () => {
  test("cli_main_missing_folder_points_to_huggingface_cli_download", () => {
    const line = oneLineError(main(["--solution", "week1_ref", "--model", "/nonexistent"]), 1);
    expect(line).toContain("/nonexistent");
    expect(line).toContain("hf download Qwen/Qwen2-0.5B-Instruct-MLX (pip install -U huggingface_hub gives hf)");
  });

  test("cli_main_missing_hf_id_says_how_to_download_it", () => {
    const cache = tmpDir();
    const line = oneLineError(main(["--solution", "week1_ref", "--model", "Org/Missing"], { env: { HF_HUB_CACHE: cache } }), 1);
    expect(line).toContain(cache);
    expect(line).toContain("hf download Org/Missing (hf comes with the Python package huggingface_hub: pip install -U huggingface_hub");
  });

  test("cli_main_folder_that_is_not_a_checkpoint", () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "notes.txt"), "not a model\n");
    expect(oneLineError(main(["--solution", "week1_ref", "--model", dir]), 1)).toMatch(/is not a model checkpoint: no config\.json/);
  });

  test("cli_main_unsupported_architecture", () => {
    const dir = tmpDir();
    const config = JSON.parse(fs.readFileSync(path.join(TINY_MODEL_DIR, "config.json"), "utf8"));
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...config, architectures: ["LlamaForCausalLM"], model_type: "llama" }));
    expect(oneLineError(main(["--solution", "week1_ref", "--model", dir]), 1)).toMatch(/unsupported architecture LlamaForCausalLM/);
  });

  test("cli_main_unsupported_quantization", () => {
    const dir = tmpDir();
    const config = JSON.parse(fs.readFileSync(path.join(TINY_MODEL_DIR, "config.json"), "utf8"));
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...config, quantization: { group_size: 64, bits: 3 } }));
    expect(oneLineError(main(["--solution", "week1_ref", "--model", dir]), 1)).toMatch(/bits/);
  });

  /** The tiny model's folder with its weights replaced by `weights`. */
  function tinyModelWith(weights: Buffer): string {
    const dir = tmpDir();
    for (const f of fs.readdirSync(TINY_MODEL_DIR)) {
      if (f.endsWith(".json")) fs.copyFileSync(path.join(TINY_MODEL_DIR, f), path.join(dir, f));
    }
    fs.writeFileSync(path.join(dir, "model.safetensors"), weights);
    return dir;
  }

  test("cli_main_truncated_safetensors", () => {
    const whole = fs.readFileSync(path.join(TINY_MODEL_DIR, "model.safetensors"));
    const dir = tinyModelWith(whole.subarray(0, whole.length >> 1));
    const line = oneLineError(main(["--solution", "week1_ref", "--model", dir]), 1);
    expect(line).toMatch(/model\.safetensors is truncated: expected \d+ bytes, has \d+/);
  });

  test("cli_main_safetensors_with_a_garbage_header", () => {
    const bytes = Buffer.alloc(4096, 0x41);
    bytes.writeBigUInt64LE(64n, 0); // 64 bytes of "AAAA..." where the JSON header should be
    const line = oneLineError(main(["--solution", "week1_ref", "--model", tinyModelWith(bytes)]), 1);
    expect(line).toContain("model.safetensors");
  });
});

test("cli_bench_bad_part_exits_2", () => {
  const r = run("bench", ["--part", "tpu"]);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^bench: --part "tpu" is not a part; expected one of kernels, model, llama, (\w+, )*all/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
});

test("cli_bench_serve_knobs_exit_2_when_wrong", () => {
  for (const [args, pattern] of [
    [["--requests", "8"], /^bench: --requests only means something with --part serve; expected --part serve too/],
    [["--part", "serve", "--batch-size", "0"], /^bench: --batch-size "0" is not a positive integer; expected e.g. --batch-size 8/],
    [["--part", "serve", "--prefill-step=2.5"], /^bench: --prefill-step "2.5" is not a positive integer/],
    [["--part", "serve", "--activations", "int4"], /^bench: --activations "int4": expected float32 or int8/],
    [["--activations", "int8"], /^bench: --activations only means something with --part serve/],
  ] as const) {
    const r = run("bench", [...args]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(pattern);
  }
});

// The bar: a checkpoint as users download it, through `pnpm main --model DIR --prompt P
// --max-tokens N --temperature 0`, streams transformers' greedy answer, with week 1's
// model and with week 2's (KV cache, packed 4-bit weights, native kernels).
const greedyCases = tinyGolden.cases.filter((c) => c.op === "tiny_model_greedy" && c.params.chat && c.id.endsWith("chat_en"));
for (const [c, solution] of greedyCases.flatMap((c) => [[c, "week1_ref"], [c, "week2_ref"]] as const)) {
  test(`cli_main_${solution}_${c.params.form}_chat_prompt_gives_transformers_greedy_tokens`, () => {
    const dir = tinyModelDir(c);
    const tokens = Array.from(tinyGolden.raw(c.outputs[0]).data);
    const r = main(["--solution", solution, "--model", dir, "--prompt", c.params.prompt, "--max-tokens", String(tokens.length), "--temperature", "0"]);
    expect(r.status).toBe(0);
    const { tokenizer, eosTokenIds } = load(dir);
    const end = tokens.findIndex((t) => eosTokenIds.includes(t));
    const text = tokenizer.decode(end < 0 ? tokens : tokens.slice(0, end), { skipSpecialTokens: true });
    expect(r.stdout).toBe(text.endsWith("\n") ? text : text + "\n");
  });
}

// Qwen3 as users download it: the Hugging Face cache (blobs named by their sha256,
// snapshots of relative links, refs/main), bf16 as Qwen/... publishes it and 4-bit as
// mlx-community does. `pnpm main --model <id>` picks Qwen3ModelWeek2 by config.json and
// the checkpoint's own chat template (Qwen3's; --no-think sets enable_thinking false).
const qwen3Golden = loadGolden("week2", "qwen3");

/** The folder of the case's tiny Qwen3 put into a fresh HF cache as `id`; returns the cache. */
function hfCache(dir: string, id: string): string {
  const cache = tmpDir();
  const repo = path.join(cache, `models--${id.replace("/", "--")}`);
  const rev = createHash("sha1").update(id).digest("hex");
  fs.mkdirSync(path.join(repo, "blobs"), { recursive: true });
  fs.mkdirSync(path.join(repo, "snapshots", rev), { recursive: true });
  fs.mkdirSync(path.join(repo, "refs"));
  fs.writeFileSync(path.join(repo, "refs", "main"), rev);
  for (const f of fs.readdirSync(dir).filter((f) => !f.startsWith("."))) {
    const bytes = fs.readFileSync(path.join(dir, f));
    const blob = createHash("sha256").update(bytes).digest("hex");
    fs.writeFileSync(path.join(repo, "blobs", blob), bytes);
    fs.symlinkSync(path.join("..", "..", "blobs", blob), path.join(repo, "snapshots", rev, f));
  }
  return cache;
}

const QWEN3_IDS: Record<string, string> = { bf16: "Qwen/Qwen3-tiny", "4bit": "mlx-community/Qwen3-tiny-4bit" };
const qwen3Cases = qwen3Golden.cases.filter((c) => c.op === "qwen3_greedy" && c.params.form in QWEN3_IDS && c.params.chat);
for (const c of qwen3Cases) {
  test(`cli_main_week2_ref_qwen3_${c.params.form}_hf_cache_${c.id.endsWith("no_think") ? "no_think_" : ""}gives_transformers_greedy_tokens`, () => {
    const dir = tinyModelDir(c);
    const id = QWEN3_IDS[c.params.form];
    const tokens = Array.from(qwen3Golden.raw(c.outputs[0]).data);
    const args = ["--solution", "week2_ref", "--model", id, "--prompt", c.params.prompt, "--max-tokens", String(tokens.length), "--temperature", "0"];
    const r = main(c.params.enableThinking ? args : [...args, "--no-think"], { env: { HF_HUB_CACHE: hfCache(dir, id) } });
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^Loading ${id} \\(week2_ref, week 2\\)`, "m"));
    const { tokenizer, eosTokenIds } = load(dir);
    expect(r.stderr).toContain(`prompt: ${tokenizer.encode(c.params.text).length} tokens`);
    const end = tokens.findIndex((t) => eosTokenIds.includes(t));
    const text = tokenizer.decode(end < 0 ? tokens : tokens.slice(0, end), { skipSpecialTokens: true });
    expect(r.stdout).toBe(text.endsWith("\n") ? text : text + "\n");
  });
}

test("cli_main_qwen3_on_week_1_says_to_use_week_2", () => {
  const line = oneLineError(main(["--solution", "week1_ref", "--model", TINY_QWEN3_DIR, "--max-tokens", "2"]), 2);
  expect(line).toBe(`main: ${TINY_QWEN3_DIR} is a Qwen3 checkpoint, which week 2's Qwen3ModelWeek2 runs (book: week2-qwen3.md), not week 1's Qwen2 model; use --week 2 (or --solution week2_ref)`);
});

test("cli_main_no_think_on_a_qwen2_template_says_it_changes_nothing", () => {
  const r = main(["--solution", "week2_ref", "--no-think", "--max-tokens", "2", "--temperature", "0"]);
  expect(r.status).toBe(0);
  expect(r.stderr).toContain("--no-think: this model's chat template has no enable_thinking switch");
  expect(r.stdout).toBe(main(["--solution", "week2_ref", "--max-tokens", "2", "--temperature", "0"]).stdout);
});

// --activations int8: week 2's quantized matmul multiplies x quantized to int8 per group.
test("cli_main_activations_int8_answers_on_a_4bit_model", () => {
  const r = main(["--solution", "week2_ref", "--model", TINY_MODEL_4BIT_DIR, "--activations", "int8", "--max-tokens", "8", "--temperature", "0"]);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).not.toBe("");
});

test("cli_main_activations_bad_combinations_exit_2", () => {
  expect(oneLineError(main(["--solution", "week2_ref", "--activations", "int4"]), 2)).toMatch(/^main: --activations "int4" is not accepted; expected float32, int8 or float16$/);
  expect(oneLineError(main(["--solution", "week1_ref", "--activations", "int8"]), 2)).toMatch(/^main: --activations int8 runs on week 2's model/);
  expect(oneLineError(main(["--solution", "week1_ref", "--activations", "float16"]), 2)).toMatch(/^main: --activations float16 runs on week 2's model/);
  expect(oneLineError(main(["--solution", "week2_ref", "--model", TINY_MODEL_4BIT_DIR, "--activations", "float16"]), 2)).toMatch(
    /^main: --activations float16 multiplies on a GPU's matrix units; use --device gpu, or float32 or int8 on the CPU$/,
  );
});

// --kv-dtype bfloat16: week 2's cache keeps its keys and values in bfloat16.
test("cli_main_kv_dtype_bfloat16_answers_and_bad_values_exit_2", () => {
  const r = main(["--solution", "week2_ref", "--kv-dtype", "bfloat16", "--max-tokens", "8", "--temperature", "0"]);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).not.toBe("");
  expect(oneLineError(main(["--solution", "week2_ref", "--kv-dtype", "int8"]), 2)).toMatch(/^main: --kv-dtype "int8" is not accepted; expected float32, bfloat16 or float16$/);
  expect(oneLineError(main(["--solution", "week1_ref", "--kv-dtype", "float16"]), 2)).toMatch(/^main: --kv-dtype float16 sets week 2's KV cache/);
});

// Speculative decoding (week 2, day 8): --draft-model proposes, the model checks; greedy
// output is the model's own, and the closing figures say how many drafted tokens were kept.
test("cli_main_draft_model_gives_the_same_greedy_answer_and_its_acceptance_rate", () => {
  const args = ["--solution", "week2_ref", "--max-tokens", "12", "--temperature", "0"];
  const alone = main(args);
  const r = main([...args, "--draft-model", TINY_MODEL_4BIT_DIR, "--num-draft-tokens", "3"]);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(alone.stdout);
  expect(r.stderr).toMatch(/^speculative: \d+ of \d+ drafted tokens kept \(acceptance rate [01]\.\d\d\)$/m);
});

test("cli_main_draft_model_bad_combinations_exit_2", () => {
  expect(oneLineError(main(["--solution", "week2_ref", "--num-draft-tokens", "3"]), 2)).toMatch(/^main: --num-draft-tokens 3 without --draft-model; expected a draft model too/);
  expect(oneLineError(main(["--solution", "week2_ref", "--draft-model", TINY_MODEL_4BIT_DIR, "--top-p", "0.9"]), 2)).toMatch(/^main: --top-p with --draft-model: .*expected --temperature alone/);
  expect(oneLineError(main(["--solution", "week2_ref", "--draft-model", TINY_MODEL_4BIT_DIR, "--num-draft-tokens", "0"]), 2)).toMatch(/^main: --num-draft-tokens 0 is not a positive integer/);
  expect(oneLineError(main(["--solution", "week1_ref", "--draft-model", TINY_MODEL_4BIT_DIR]), 2)).toMatch(/^main: --draft-model: speculative decoding runs on week 2's model/);
});

// Many prompts at once (week 2, days 6 and 7): --prompts-file and --requests run week 2's
// scheduler; each answer prints when its request ends (in any order), under its heading,
// and is the answer its prompt gets alone; the totals go to stderr.
test("cli_main_prompts_file_answers_each_prompt_as_alone_and_reports_totals", async () => {
  const prompts = ["Hello there", "Why is the sky blue?", "Write a haiku about caches"];
  const file = path.join(tmpDir(), "prompts.txt");
  fs.writeFileSync(file, `${prompts[0]}\n\n${prompts[1]}\r\n  ${prompts[2]}  \n`); // blank lines, CRLF and spaces are not prompts
  const r = main(["--solution", "week2_ref", "--prompts-file", file, "--max-tokens", "5", "--batch-size", "2", "--prefill-step", "4"]);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.status).toBe(0);
  const loaded = load(TRAINED_MODEL_DIR);
  const model = new week2.Qwen2ModelWeek2(loaded);
  for (const [i, p] of prompts.entries()) {
    const text = loaded.tokenizer.applyChatTemplate([{ role: "user", content: p }], { addGenerationPrompt: true });
    const alone = await week2.simpleGenerateWithKvCache(model, loaded.tokenizer, text, { maxTokens: 5, eosTokenIds: loaded.eosTokenIds });
    expect(r.stdout).toContain(`\n[${i + 1}/3] ${p}\n${alone.text}\n`);
  }
  expect(r.stderr).toMatch(/^requests: 3 \(batch 2, prefill step 4\), prompt tokens: \d+, generated: \d+ tokens in [\d.]+ s$/m);
  expect(r.stderr).toMatch(/^output: [\d.]+ tokens\/s$/m);
  expect(r.stderr).toMatch(/^time to first token: p50 [\d.]+ ms, p95 [\d.]+ ms$/m);
  expect(r.stderr).toMatch(/^time between tokens: p50 [\d.]+ ms, p95 [\d.]+ ms$/m);
  expect(r.stderr).toMatch(/^stop: \d+ (length|eos)/m);
});

test("cli_main_requests_without_a_file_asks_made_up_questions", () => {
  const r = main(["--solution", "week2_ref", "--requests", "3", "--max-tokens", "2"]);
  expect(r.status).toBe(0);
  expect(r.stdout.match(/^\[\d\/3\] .+$/gm)?.sort()).toEqual(["[1/3] What is a KV cache?", "[2/3] Why is the sky blue?", "[3/3] Give me a short introduction to large language models."]);
});

test("cli_main_many_prompts_bad_combinations_exit_2", () => {
  const file = path.join(tmpDir(), "two.txt");
  fs.writeFileSync(file, "one\ntwo\n");
  const empty = path.join(tmpDir(), "empty.txt");
  fs.writeFileSync(empty, "\n  \n");
  const cases: [string[], RegExp][] = [
    [["--batch-size", "4"], /^main: --batch-size without many prompts; expected --prompts-file F or --requests N too$/],
    [["--requests", "2", "--prompt", "hi"], /^main: --prompt with --requests: .*expected one of them$/],
    [["--prompts-file", file, "--draft-model", TINY_MODEL_4BIT_DIR], /^main: --draft-model with --prompts-file: speculative decoding runs one prompt at a time/],
    [["--prompts-file", path.join(tmpDir(), "missing.txt")], /^main: --prompts-file .*missing\.txt: cannot read it \(ENOENT\); expected a text file of prompts, one a line$/],
    [["--prompts-file", empty], /^main: --prompts-file .*empty\.txt holds no prompt; expected one prompt a line$/],
    [["--prompts-file", file, "--requests", "3"], /^main: --requests 3: --prompts-file .*two\.txt holds 2 prompts; expected --requests 2 or fewer$/],
    [["--requests", "0"], /^main: --requests 0 is not a positive integer/],
  ];
  for (const [args, pattern] of cases) expect(oneLineError(main(["--solution", "week2_ref", ...args]), 2)).toMatch(pattern);
  expect(oneLineError(main(["--solution", "week1_ref", "--requests", "2"]), 2)).toMatch(/^main: many prompts at once run on week 2's model/);
});
