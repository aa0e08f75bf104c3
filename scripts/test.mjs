#!/usr/bin/env node
// The test driver behind `pnpm test` and `pnpm test-ref`. It is a thin layer over jest
// (configured in jest.config.js); everything it does not know goes to jest unchanged.
//
//   pnpm test [-k EXPR] [--solution NAME] [--device cpu|gpu] [jest args...]
//       Runs the course suites (tests/**/*.test.ts) against one solution: the learner's
//       (tiny_llm, the default) or a reference (week1_ref, week2_ref), as solutions.json
//       lists them; a reference runs the suites of the weeks it covers. The name reaches
//       the tests as the environment variable TINY_LLM_SOLUTION (see tests/solution.ts).
//       A solution with a kernel package (solutions.json `kernels`) has it rebuilt first
//       when its C++ changed, so an edited kernel is what the tests see.
//
//   pnpm test-ref [-k EXPR] [--device cpu|gpu] [jest args...]   (= node scripts/test.mjs --ref)
//       Runs every course suite against the reference of its week, then tests-ref/.
//       The week comes from the file name, which the course fixes as
//       tests/week_<w>_day_<d>.test.ts (test ids are week_<w>_day_<d>_task_<t>_<what>):
//         tests/week_1_*.test.ts  -> TINY_LLM_SOLUTION=week1_ref
//         tests/week_2_*.test.ts  -> TINY_LLM_SOLUTION=week2_ref
//         tests-ref/**/*.test.ts  -> the newest reference in the checkout
//       Jest runs once per group, in that order, with --testMatch narrowed to the
//       group, so every group gets its own environment. A file under tests/ that does
//       not follow the naming is an error: --ref could not tell which reference owns it.
//       Positional jest arguments (path patterns) narrow every group.
//       tests-ref/array runs every array test on the CPU and on the GPU, whatever --device
//       says (tests-ref/array/device.ts); without a GPU adapter its GPU tests fail.
//
//   pnpm test-arm64 [-k EXPR] [jest args...]        (= node scripts/test.mjs --arm64)
//       Builds the native packages for arm64 with clang (Apple Silicon's compiler) into
//       native/build-arm64/ and runs the native suites (tests-ref/array, tests-ref/kernels,
//       tests/week_2_day_2 and _4 against week2_ref) with an arm64 Node under qemu-user:
//       scripts/arm64.mjs says what it needs. `--ref --arm64` (CI) runs these groups after
//       the --ref ones, in the same summary. A failed arm64 build counts as one failure.
//
//   -k EXPR     pytest-like selection by test name: words joined by `and`, `or`, `not`
//               and parentheses; a word matches when the test's full name (describe
//               titles + test title, joined by spaces) contains it, ignoring case.
//               It becomes one regex for jest's --testNamePattern:
//                 -k "array and not matmul"  ->  ^(?=.*array)(?!.*matmul)
//   --device D  the device the course suites (tests/) run on: cpu (the default) or gpu.
//               It reaches them as TINY_LLM_DEVICE, which tests/helpers/device-setup.ts
//               (jest's setupFilesAfterEnv) turns into `await mx.gpu.init()` and the GPU
//               as the default device, so every array a test or a solution creates lives
//               there. The driver first checks that a WebGPU adapter exists; without one it
//               stops (exit 2) with one line saying what to install. tests-ref/ and the
//               arm64 stage ignore it (the latter has no GPU under qemu).
//   --dry-run   print the jest command(s) and stop.
//   TINY_LLM_TEST_VERBOSE=1   print each jest command before running it.
//
// Failures are reported one line per failing test (the message and the first stack
// frame in the solution's own code) by scripts/jest/compact-reporter.cjs; `--ref`, or
// `--reporters=default`, gives jest's full report instead.
//
// The last line printed is a plain summary summed over all jest runs:
//   `N passed, N failed` plus `, N skipped` when some tests were skipped (it.skip,
//   it.todo; the line before says which) and `, N deselected` when -k left some out. A
//   suite that could not run at all (syntax error, failed import) counts as one failure,
//   so a broken file never reads as "0 failed". The exit code is jest's (the first
//   non-zero one under --ref); 2 for a bad command line, a -k that selects nothing, or
//   --device gpu on a machine without a WebGPU adapter.

import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import keyword from "./keyword.cjs";
import { explainEmptySelection } from "./closest.mjs";
import { Arm64Error, arm64Groups, prepareArm64 } from "./arm64.mjs";

const { keywordToRegex, KeywordError } = keyword;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MANIFEST = JSON.parse(fs.readFileSync(path.join(ROOT, "solutions.json"), "utf8"));
const SOLUTIONS = Object.keys(MANIFEST.solutions);
const DEFAULT_SOLUTION = MANIFEST.default;
const COURSE_DIR = "tests";
const REF_DIR = "tests-ref";
const REPORTERS = path.join(ROOT, "scripts", "jest");
const DEVICES = ["cpu", "gpu"];

const inCheckout = (name) => fs.existsSync(path.join(ROOT, MANIFEST.solutions[name].dir, "package.json"));

/** The reference that runs week `week`'s course suites under --ref. */
function referenceOfWeek(week) {
  return SOLUTIONS.find((n) => MANIFEST.solutions[n].reference && MANIFEST.solutions[n].weeks === week && inCheckout(n));
}

/** The reference tests-ref/ runs with: the newest one in the checkout. */
function newestReference() {
  const refs = SOLUTIONS.filter((n) => MANIFEST.solutions[n].reference && inCheckout(n));
  return refs.sort((a, b) => MANIFEST.solutions[b].weeks - MANIFEST.solutions[a].weeks)[0];
}

const USAGE = `usage: pnpm test [-k EXPR] [--solution ${SOLUTIONS.join("|")}] [--device cpu|gpu] [--dry-run] [jest args...]
       pnpm test-ref [-k EXPR] [--device cpu|gpu] [--arm64] [--dry-run] [jest args...]
       pnpm test-arm64 [-k EXPR] [--dry-run] [jest args...]

  -k EXPR         select tests by name: words with and / or / not / ( ),
                  e.g. -k week_1_day_2   -k "week_1 and not task_2"
  --solution NAME the solution the course suites run against (default ${DEFAULT_SOLUTION})
  --device D      the device the course suites run on: ${DEVICES.join(" or ")} (default cpu);
                  gpu needs a WebGPU adapter (on Linux: a Vulkan driver, e.g. Mesa's lavapipe)
  --ref           every course suite against its week's reference, then tests-ref/
  --arm64         the native suites again, built for arm64 with clang, run under qemu
                  (needs clang, g++-aarch64-linux-gnu, qemu-user-static; see scripts/arm64.mjs)
  --dry-run       print the jest command(s) without running them
  anything else goes to jest (e.g. --verbose, --bail, a path pattern)
pnpm test looks under tests/ only; tests-ref/ runs with --ref.
Set TINY_LLM_TEST_VERBOSE=1 to see the jest commands as they run.`;

class UsageError extends Error {}

// ---------------------------------------------------------------------------------
// Command line

/** Jest options the driver sets itself; giving them too would silently fight it. */
const OWNED_BY_DRIVER = new Map([
  ["--testMatch", "the driver chooses the test files (tests/, or one group per week under --ref)"],
]);
const TEST_NAME_FLAGS = ["-t", "--testNamePattern", "--test-name-pattern"];
const WATCH_FLAGS = ["--watch", "--watchAll"];

/** The value of jest's -t / --testNamePattern among `args`, or null. */
function testNamePattern(args) {
  const i = args.findIndex((a) => TEST_NAME_FLAGS.includes(flagName(a)));
  if (i < 0) return null;
  return args[i].includes("=") ? args[i].slice(args[i].indexOf("=") + 1) : (args[i + 1] ?? null);
}

function flagName(arg) {
  return arg.startsWith("-") ? arg.split("=")[0] : null;
}

export function parseArgs(argv) {
  const opts = { k: null, solution: null, device: null, ref: false, arm64: false, dryRun: false, help: false, jestArgs: [] };
  // pnpm may hand a literal `--` through (`pnpm test -- -k x`); it means nothing here.
  const args = argv.filter((a) => a !== "--");
  const valueOf = (i, name) => {
    const arg = args[i];
    if (arg.startsWith(name + "=")) return [arg.slice(name.length + 1), i];
    if (i + 1 >= args.length) throw new UsageError(`${name} needs a value`);
    return [args[i + 1], i + 1];
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const name = flagName(arg);
    if (name === "-k") {
      if (opts.k !== null) throw new UsageError("-k given twice; join the expressions with `and` / `or`");
      [opts.k, i] = valueOf(i, "-k");
    } else if (name === "--solution") {
      if (opts.solution !== null) throw new UsageError("--solution given twice");
      [opts.solution, i] = valueOf(i, "--solution");
    } else if (name === "--device") {
      if (opts.device !== null) throw new UsageError("--device given twice");
      [opts.device, i] = valueOf(i, "--device");
    } else if (arg === "--ref") {
      opts.ref = true;
    } else if (arg === "--arm64") {
      opts.arm64 = true;
    } else if (arg === "--dry-run") {
      opts.dryRun = true;
    } else if (arg === "-h" || arg === "--help") {
      opts.help = true;
    } else {
      if (OWNED_BY_DRIVER.has(name)) throw new UsageError(`${name} is not accepted here: ${OWNED_BY_DRIVER.get(name)}`);
      opts.jestArgs.push(arg);
    }
  }

  if (opts.solution !== null && !SOLUTIONS.includes(opts.solution)) {
    throw new UsageError(`unknown solution "${opts.solution}"; expected one of: ${SOLUTIONS.join(", ")}`);
  }
  if (opts.solution !== null && !inCheckout(opts.solution)) {
    const { dir, about } = MANIFEST.solutions[opts.solution];
    throw new UsageError(`${opts.solution} (${about}) is not in this checkout: there is no ${dir}`);
  }
  if (opts.ref && opts.solution !== null) {
    throw new UsageError(
      "--ref and --solution do not mix: --ref runs each week's suites against that week's reference. " +
        "To run the course suites against one reference, use `pnpm test --solution <name>`.",
    );
  }
  if (opts.device !== null && !DEVICES.includes(opts.device)) {
    throw new UsageError(`unknown device "${opts.device}"; expected one of: ${DEVICES.join(", ")}`);
  }
  if (opts.arm64 && !opts.ref && opts.device === "gpu") {
    throw new UsageError("--arm64 runs the native suites under qemu, where there is no GPU; it takes no --device gpu");
  }
  if (opts.arm64 && opts.solution !== null) {
    throw new UsageError("--arm64 runs the native suites against the references; it takes no --solution");
  }
  const nameFlag = opts.jestArgs.map(flagName).find((n) => TEST_NAME_FLAGS.includes(n));
  if (opts.k !== null && nameFlag) {
    throw new UsageError(`-k and ${nameFlag} both select by test name; use one of them`);
  }
  const watchFlag = opts.jestArgs.map(flagName).find((n) => WATCH_FLAGS.includes(n));
  if ((opts.ref || opts.arm64) && watchFlag) {
    throw new UsageError(`--ref runs jest several times in a row and cannot ${watchFlag}; use \`pnpm test ${watchFlag}\``);
  }
  opts.watch = Boolean(watchFlag);
  opts.solution ??= DEFAULT_SOLUTION;
  opts.device ??= "cpu";
  return opts;
}

// ---------------------------------------------------------------------------------
// Test groups

function listTests(dir) {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".test.ts"))
    .map((e) => path.relative(ROOT, path.join(e.parentPath ?? e.path, e.name)))
    .filter((f) => !f.split(path.sep).includes("node_modules"))
    .sort();
}

/**
 * The jest runs of one invocation: [{ label, solution, testMatch, env, arm64?, testPathIgnorePatterns? }]:
 * the --ref groups or the course suites, then the arm64 ones (--arm64). `env` is what
 * the group's tests see besides the solution: the course suites' device (--device);
 * tests-ref/ on the CPU (its array suite runs each device itself); the arm64 stage on
 * the CPU alone, its array suite too (no GPU under qemu; the x86 run tested it).
 */
export function planGroups(opts) {
  const own = opts.ref || !opts.arm64 ? planX86Groups(opts) : [];
  if (!opts.arm64) return own;
  const refs = { newest: newestReference(), week2: referenceOfWeek(2) };
  if (!refs.week2) throw new UsageError("--arm64 runs week 2's kernel suites, but no week 2 reference is in this checkout");
  const env = { TINY_LLM_DEVICE: "cpu", TINY_LLM_ARRAY_DEVICES: "cpu" };
  return [...own, ...arm64Groups(refs).map((g) => ({ ...g, arm64: true, env }))];
}

function planX86Groups(opts) {
  if (!opts.ref) {
    if (listTests(COURSE_DIR).length === 0) return [];
    // A reference covers the weeks up to its own; the workbook covers them all.
    const { weeks, reference } = MANIFEST.solutions[opts.solution];
    const testMatch = reference
      ? Array.from({ length: weeks }, (_, i) => `<rootDir>/${COURSE_DIR}/**/week_${i + 1}_*.test.ts`)
      : [`<rootDir>/${COURSE_DIR}/**/*.test.ts`];
    return [{ label: COURSE_DIR, solution: opts.solution, testMatch, env: { TINY_LLM_DEVICE: opts.device } }];
  }
  const byWeek = new Map();
  const unnamed = [];
  for (const file of listTests(COURSE_DIR)) {
    const m = /^week_(\d+)_/.exec(path.basename(file));
    if (!m) unnamed.push(file);
    else byWeek.set(Number(m[1]), [...(byWeek.get(Number(m[1])) ?? []), file]);
  }
  if (unnamed.length > 0) {
    throw new UsageError(
      `--ref cannot tell which week these course suites belong to: ${unnamed.join(", ")}\n` +
        `name them ${COURSE_DIR}/week_<w>_day_<d>.test.ts (shared helpers are plain .ts files, not .test.ts)`,
    );
  }
  const groups = [];
  for (const week of [...byWeek.keys()].sort((a, b) => a - b)) {
    const solution = referenceOfWeek(week);
    if (!solution) {
      throw new UsageError(
        `week ${week} has course suites (${byWeek.get(week).join(", ")}) but no reference solution ` +
          `in this checkout; solutions.json lists the references and their weeks`,
      );
    }
    groups.push({
      label: `${COURSE_DIR} week ${week}`,
      solution,
      testMatch: [`<rootDir>/${COURSE_DIR}/**/week_${week}_*.test.ts`],
      env: { TINY_LLM_DEVICE: opts.device },
    });
  }
  if (listTests(REF_DIR).length > 0) {
    groups.push({ label: REF_DIR, solution: newestReference(), testMatch: [`<rootDir>/${REF_DIR}/**/*.test.ts`], env: { TINY_LLM_DEVICE: "cpu" } });
  }
  return groups;
}

// ---------------------------------------------------------------------------------
// Running jest

function shellQuote(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function jestArgsFor(group, opts, resultsFile) {
  const args = [...opts.jestArgs];
  // `--x=value` forms throughout, so that no array option can swallow a neighbour.
  for (const glob of group.testMatch) args.push(`--testMatch=${glob}`);
  if (opts.k !== null) args.push(`--testNamePattern=${keywordToRegex(opts.k)}`);
  if (opts.ref || opts.arm64) args.push("--passWithNoTests"); // a -k or a path pattern may empty one group
  for (const p of group.testPathIgnorePatterns ?? []) args.push(`--testPathIgnorePatterns=${p}`);
  // Under qemu the arm64 Node cannot start jest's worker processes (they would be arm64
  // programs that only qemu runs), so one process runs every file.
  if (group.arm64) args.push("--runInBand");
  if (resultsFile && !opts.watch) {
    // The caller's own --reporters replace ours for display; the results file is always written.
    if (!opts.jestArgs.some((a) => flagName(a) === "--reporters")) {
      args.push(`--reporters=${opts.ref || opts.arm64 ? "default" : path.join(REPORTERS, "compact-reporter.cjs")}`);
    }
    args.push(`--reporters=${path.join(REPORTERS, "results-reporter.cjs")}`);
  }
  return args;
}

function describeCommand(group, args) {
  const runner = group.arm64 ? "TINY_LLM_NATIVE_BUILD=arm64 qemu-aarch64-static <arm64 node> " : "";
  const env = Object.entries(group.env).map(([k, v]) => `${k}=${v} `).join("");
  return `TINY_LLM_SOLUTION=${group.solution} ${env}${runner}jest ${args.map(shellQuote).join(" ")}`;
}

function resolveJest() {
  try {
    return createRequire(path.join(ROOT, "package.json")).resolve("jest/bin/jest");
  } catch {
    throw new UsageError("jest is not installed; run `pnpm install` at the repository root first");
  }
}

/** Counts from one results file (scripts/jest/results-reporter.cjs); null when jest wrote none. */
function readResults(file, kRegex) {
  let report;
  try {
    report = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
  const counts = { passed: 0, failed: 0, skipped: 0, deselected: 0, total: 0 };
  const skipped = [];
  const names = [];
  for (const suite of report.suites) {
    if (suite.execError !== null) counts.failed++;
    for (const t of suite.tests) {
      counts.total++;
      names.push(t.fullName);
      if (t.status === "passed") counts.passed++;
      else if (t.status === "failed") counts.failed++;
      else if (kRegex && !kRegex.test(t.fullName)) counts.deselected++;
      else {
        counts.skipped++; // pending, skipped, todo, disabled
        skipped.push(t);
      }
    }
  }
  return { counts, skipped, names };
}

/** One line saying what the skipped tests are, e.g. the comparisons of a reference with itself. */
function describeSkipped(skipped, solutions) {
  const self = skipped.filter((t) => t.ancestorTitles.some((a) => solutions.some((s) => a === `against ${s}`)));
  const parts = [];
  if (self.length > 0) {
    parts.push(`${self.length} comparisons with a reference that is itself the solution under test (they could not fail)`);
  }
  const other = skipped.filter((t) => !self.includes(t));
  if (other.length > 0) parts.push(`${other.length} marked skip or todo: ${other.slice(0, 3).map((t) => t.fullName).join("; ")}${other.length > 3 ? "; ..." : ""}`);
  return `skipped: ${parts.join("; ")}`;
}

async function main(argv) {
  const opts = parseArgs(argv);
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  // Validate -k before anything runs, so a typo is reported once and early.
  // What selects tests by name (-k, or jest's own -t), to tell deselected from skipped tests.
  const pattern = opts.k !== null ? keywordToRegex(opts.k) : testNamePattern(opts.jestArgs);
  const kRegex = pattern !== null ? new RegExp(pattern, "i") : null; // jest also uses "i"
  const groups = planGroups(opts);
  const verbose = process.env.TINY_LLM_TEST_VERBOSE === "1";

  if (opts.dryRun) {
    if (groups.length === 0) console.log("# no test files found");
    for (const g of groups) console.log(`# ${g.label}\n${describeCommand(g, jestArgsFor(g, opts, null))}`);
    return 0;
  }
  if (groups.length === 0) {
    console.error(
      opts.ref
        ? `No tests found: ${COURSE_DIR}/ and ${REF_DIR}/ hold no *.test.ts files.`
        : `No course suites yet: ${COURSE_DIR}/ holds no week_<w>_day_<d>.test.ts files. ` +
            "`pnpm test-ref` runs the reference suites (the array library's among them).",
    );
    console.log("0 passed, 0 failed");
    return 1;
  }

  if (groups.some((g) => g.env.TINY_LLM_DEVICE === "gpu")) {
    const gpu = probeGpu();
    if (gpu.error) {
      console.error(`test: --device gpu: ${gpu.error}`);
      return 2;
    }
    console.error(`test: the course suites run on the GPU: ${gpu.description}`);
  }
  const jest = resolveJest();
  for (const solution of new Set(groups.filter((g) => !g.arm64).map((g) => g.solution))) buildKernels(solution);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-test-"));
  const total = { passed: 0, failed: 0, skipped: 0, deselected: 0, total: 0 };
  const skipped = [];
  const names = [];
  let exitCode = 0;
  // How the arm64 groups run (qemu and the arm64 Node), once their build is done.
  let arm64 = null;
  const tally = (resultsFile, code) => {
    if (exitCode === 0 && code !== 0) exitCode = code;
    if (opts.watch) return;
    const results = readResults(resultsFile, kRegex);
    if (results === null) {
      if (code !== 0) total.failed++; // jest stopped before running anything
      return;
    }
    for (const key of Object.keys(total)) total[key] += results.counts[key];
    skipped.push(...results.skipped);
    names.push(...results.names);
  };
  const start = (group, i, runner, output) => {
    const resultsFile = path.join(tmp, `results-${i}.json`);
    const args = jestArgsFor(group, opts, resultsFile);
    if (verbose) console.error(`[test.mjs] ${group.label}: ${describeCommand(group, args)}`);
    const env = { ...process.env, ...runner.env, ...group.env, TINY_LLM_SOLUTION: group.solution, TINY_LLM_RESULTS_FILE: resultsFile };
    const child = spawn(runner.command, [...runner.args, jest, ...args], { cwd: ROOT, stdio: output ? ["ignore", output, output] : "inherit", env });
    // Killed by a signal (or not started): a failure.
    return new Promise((resolve) => {
      child.on("error", () => resolve({ resultsFile, code: 1 }));
      child.on("close", (code) => resolve({ resultsFile, code: code ?? 1 }));
    });
  };
  try {
    const host = { command: process.execPath, args: [], env: {} };
    for (const [i, group] of groups.entries()) {
      if (group.arm64) continue;
      const { resultsFile, code } = await start(group, i, host, null);
      tally(resultsFile, code);
    }
    if (groups.some((g) => g.arm64)) {
      arm64 = arm64Runner();
      if (arm64.error) {
        if (exitCode === 0) exitCode = 1;
      } else {
        // Side by side, one thread each (see scripts/arm64.mjs); each group's report is
        // printed whole when it ends, so that the two do not interleave.
        const runs = groups.map((group, i) => {
          if (!group.arm64) return null;
          const log = path.join(tmp, `output-${i}.log`);
          const fd = fs.openSync(log, "w");
          return start(group, i, arm64, fd).then((run) => {
            fs.closeSync(fd);
            process.stderr.write(`# ${group.label}\n${fs.readFileSync(log, "utf8")}`);
            return run;
          });
        });
        for (const run of await Promise.all(runs.filter((r) => r !== null))) tally(run.resultsFile, run.code);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (opts.watch) return exitCode;
  if (arm64?.error) total.failed++; // the arm64 build (or its tools) failed: no arm64 test ran

  if (opts.k !== null && total.total > 0 && total.passed + total.failed + total.skipped === 0) {
    // Every test was deselected: a mistyped keyword must not read as success.
    console.error(`test: -k "${opts.k}" selects none of the ${total.total} tests: ${explainEmptySelection(opts.k, names, 5)}`);
    console.log(`0 passed, 0 failed, ${total.deselected} deselected`);
    return 2;
  }
  // --ref passes --passWithNoTests to each group; nothing at all is still a failure,
  // unless the caller asked for --passWithNoTests themselves.
  if ((opts.ref || opts.arm64) && total.total === 0 && total.failed === 0 && !opts.jestArgs.includes("--passWithNoTests")) {
    console.error("No tests found in any group (check -k and path patterns).");
    if (exitCode === 0) exitCode = 1;
  }
  if (skipped.length > 0) console.log(describeSkipped(skipped, SOLUTIONS));
  let line = `${total.passed} passed, ${total.failed} failed`;
  if (total.skipped > 0) line += `, ${total.skipped} skipped`;
  if (total.deselected > 0) line += `, ${total.deselected} deselected`;
  console.log(line);
  return exitCode;
}

/** Builds the arm64 addons (scripts/arm64.mjs); returns how to run the arm64 Node, or { error }. */
function arm64Runner() {
  try {
    return prepareArm64(ROOT);
  } catch (err) {
    if (!(err instanceof Arm64Error)) throw err;
    console.error(`test: arm64: ${err.message}`);
    return { error: err.message };
  }
}

/**
 * Sets the GPU up once in a child Node, as the tests will (mx.gpu.init of the built
 * @tiny-llm/array), so that a machine without a WebGPU adapter gets one line saying
 * what to install rather than every test failing with it. Returns { description } or { error }.
 */
function probeGpu() {
  const array = path.join(ROOT, "packages", "array");
  const script =
    `require(${JSON.stringify(array)}).gpu.init().then(` +
    "(info) => { console.log(JSON.stringify({ description: info.description })); process.exit(0); }, " +
    "(err) => { console.log(JSON.stringify({ error: err.message })); process.exit(1); })";
  const run = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
  try {
    return JSON.parse(run.stdout.trim().split("\n").pop());
  } catch {
    // It died before answering (e.g. the addon failed to load): its own last words.
    return { error: `setting up the GPU failed: ${(run.stderr || run.stdout).trim().split("\n").pop()}` };
  }
}

/**
 * Rebuilds a solution's kernel package when its C++ sources changed since the last
 * build (a no-op otherwise), so that the tests load the kernels as they are now.
 */
function buildKernels(solution) {
  const kernels = MANIFEST.solutions[solution].kernels;
  if (!kernels) return;
  const script = path.join(ROOT, kernels, "scripts", "build-native.js");
  if (!fs.existsSync(script)) return; // a checkout before week 2's kernels
  const run = spawnSync(process.execPath, [script, "--if-changed"], { cwd: path.join(ROOT, kernels), stdio: "inherit" });
  if (run.status !== 0) throw new UsageError(`building ${kernels} failed (its compiler errors are above); fix the C++ and run again`);
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError || err instanceof KeywordError)) throw err;
    console.error(`test: ${err.message} (pnpm test --help lists the options)`);
    process.exitCode = 2;
  }
}
