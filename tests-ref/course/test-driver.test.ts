// `pnpm test` as a learner meets it (scripts/test.mjs): a bad solution or a -k that
// selects nothing is exit 2 with one line; a failing test is a few lines pointing into
// the learner's own file; the summary says what the skipped tests are.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

function driver(args: string[], root = ROOT) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.TINY_LLM_SOLUTION;
  delete env.TINY_LLM_TEST_VERBOSE;
  const r = spawnSync(process.execPath, [path.join(root, "scripts", "test.mjs"), ...args], { cwd: root, env, encoding: "utf8", timeout: 120_000 });
  const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");
  return { status: r.status, out: lines(r.stdout), err: lines(r.stderr) };
}

test("course_test_driver_unknown_solution_is_one_line_exit_2", () => {
  const r = driver(["--solution", "week9_ref"]);
  expect(r.status).toBe(2);
  expect(r.out).toEqual([]);
  expect(r.err).toEqual([expect.stringMatching(/^test: unknown solution "week9_ref"; expected one of: tiny_llm, week1_ref, week2_ref/)]);
});

test("course_test_driver_solution_missing_from_the_checkout_is_one_line_exit_2", () => {
  // The driver and the manifest alone, as in a checkout from before a week landed.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-driver-"));
  try {
    fs.cpSync(path.join(ROOT, "scripts"), path.join(root, "scripts"), { recursive: true });
    fs.copyFileSync(path.join(ROOT, "solutions.json"), path.join(root, "solutions.json"));
    const r = driver(["--solution", "week2_ref"], root);
    expect(r.status).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual(["test: week2_ref (the reference solution of week 2) is not in this checkout: there is no packages/tiny-llm-week2-ref (pnpm test --help lists the options)"]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("course_test_driver_empty_selection_is_exit_2_naming_the_closest_ids", () => {
  const r = driver(["-k", "week_1_dya_2", "tests/week_1_day_2"]);
  expect(r.status).toBe(2);
  expect(r.err).toEqual([expect.stringMatching(/^test: -k "week_1_dya_2" selects none of the \d+ tests: no test name contains "week_1_dya_2"; the closest: week_1_day_2$/)]);
  expect(r.out.at(-1)).toMatch(/^0 passed, 0 failed, \d+ deselected$/);
});

test("course_test_driver_reports_a_stub_in_one_line_at_the_learners_file", () => {
  const r = driver(["-k", "week_1_day_2_task_1", "tests/week_1_day_2"]);
  expect(r.status).toBe(1);
  const failures = r.out.filter((l) => l.startsWith("  ✕ "));
  expect(failures.length).toBeGreaterThan(0);
  // Per failing test: its name, the NotImplementedError line, where the stub is; nothing else.
  expect(r.out).toHaveLength(1 + 3 * failures.length + 1);
  expect(r.out[0]).toMatch(new RegExp(`^FAIL tests/week_1_day_2\\.test\\.ts \\(0 passed, ${failures.length} failed\\)$`));
  for (let i = 1; i < r.out.length - 1; i += 3) {
    expect(r.out[i + 1]).toMatch(/^ {6}NotImplementedError: RoPE\.forward is not implemented yet \(week_1_day_2_task_1, week_1_day_2_task_2; book: week1-02-positional-encodings\.md\)$/);
    expect(r.out[i + 2]).toMatch(/^ {6}at packages\/tiny-llm\/src\/positional-encoding\.ts:\d+$/);
  }
  expect(r.out.at(-1)).toMatch(new RegExp(`^0 passed, ${failures.length} failed, \\d+ deselected$`));
  expect(r.err.join("\n")).not.toMatch(/Test results written to/);
});

test("course_test_driver_says_what_the_skipped_tests_are", () => {
  const r = driver(["--solution", "week1_ref", "-k", "week_1_day_2_task_1_rope_random", "tests/week_1_day_2"]);
  expect(r.status).toBe(0);
  expect(r.out.slice(-2)).toEqual([
    "skipped: 1 comparisons with a reference that is itself the solution under test (they could not fail)",
    expect.stringMatching(/^0 passed, 0 failed, 1 skipped, \d+ deselected$/),
  ]);
});

test("course_test_driver_unknown_device_is_one_line_exit_2", () => {
  const r = driver(["--device", "tpu"]);
  expect(r.status).toBe(2);
  expect(r.out).toEqual([]);
  expect(r.err).toEqual(["test: unknown device \"tpu\"; expected one of: cpu, gpu (pnpm test --help lists the options)"]);
});

test("course_test_driver_device_gpu_reaches_the_course_suites_only", () => {
  const r = driver(["--ref", "--device", "gpu", "--dry-run"]);
  expect(r.status).toBe(0);
  const commands = r.out.filter((l) => !l.startsWith("# "));
  expect(commands.filter((l) => l.includes("<rootDir>/tests/")).every((l) => l.includes(" TINY_LLM_DEVICE=gpu "))).toBe(true);
  expect(commands.find((l) => l.includes("<rootDir>/tests-ref/"))).toMatch(/ TINY_LLM_DEVICE=cpu jest /);
  expect(driver(["--dry-run"]).out[1]).toMatch(/^TINY_LLM_SOLUTION=tiny_llm TINY_LLM_DEVICE=cpu jest /);
});

// The Vulkan loader reads VK_ICD_FILENAMES on Linux: pointing it nowhere hides every driver.
if (process.platform === "linux") {
  test("course_test_driver_device_gpu_without_an_adapter_is_one_line_exit_2", () => {
    const env: NodeJS.ProcessEnv = { ...process.env, VK_ICD_FILENAMES: "/nonexistent/icd.json" };
    delete env.TINY_LLM_SOLUTION;
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "test.mjs"), "--device", "gpu", "-k", "week_1_day_1"], { cwd: ROOT, env, encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^test: --device gpu: gpu: no WebGPU adapter found .*apt-get install mesa-vulkan-drivers libvulkan1/)]);
  });
}

test("course_test_driver_arm64_takes_no_solution", () => {
  const r = driver(["--arm64", "--solution", "week1_ref"]);
  expect(r.status).toBe(2);
  expect(r.out).toEqual([]);
  expect(r.err).toEqual(["test: --arm64 runs the native suites against the references; it takes no --solution (pnpm test --help lists the options)"]);
});

test("course_test_driver_arm64_runs_the_native_suites_after_the_ref_groups", () => {
  const r = driver(["--ref", "--arm64", "--dry-run"]);
  expect(r.status).toBe(0);
  const labels = r.out.filter((l) => l.startsWith("# "));
  expect(labels.slice(-2)).toEqual(["# arm64: tests-ref array and kernels", "# arm64: tests week 2 days 2 and 4 (quantized matmul, flash attention)"]);
  expect(labels[0]).toBe("# tests week 1");
  const arm = r.out.filter((l) => l.includes("qemu-aarch64-static"));
  expect(arm).toHaveLength(2);
  for (const l of arm) expect(l).toMatch(/TINY_LLM_SOLUTION=week2_ref .*--runInBand/);
});

test("course_test_driver_arm64_without_its_tools_is_a_counted_failure", () => {
  // No clang or qemu on this PATH: the stage cannot build, which is a failure, not a skip.
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-path-"));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: empty };
    delete env.TINY_LLM_SOLUTION;
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "test.mjs"), "--arm64"], { cwd: ROOT, env, encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/test: arm64: the arm64 stage needs clang, g\+\+-aarch64-linux-gnu, qemu-user-static .*apt-get install -y clang g\+\+-aarch64-linux-gnu qemu-user-static/);
    expect(r.stdout.trim().split("\n").pop()).toBe("0 passed, 1 failed");
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
