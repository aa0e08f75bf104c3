// A chapter beside a week's numbered days (tests/week_2_qwen3.test.ts, ids
// week_2_qwen3_task_<t>_<what>) as the test driver (scripts/test.mjs) meets it: its week
// comes from its file name, no day's -k selects it, and a mistyped id of it is answered
// with its own task. (tests-ref/course/workbook.test.ts reads its task from the ids too.)
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

function driver(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.TINY_LLM_SOLUTION;
  delete env.TINY_LLM_TEST_VERBOSE;
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "test.mjs"), ...args], { cwd: ROOT, env, encoding: "utf8", timeout: 120_000 });
  const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");
  return { status: r.status, out: lines(r.stdout), err: lines(r.stderr) };
}

test("course_test_driver_chapter_beside_the_days_runs_with_its_weeks_reference", () => {
  const listed = (solution: string) => driver(["--solution", solution, "--listTests"]).out.some((l) => l.endsWith("tests/week_2_qwen3.test.ts"));
  expect([listed("week1_ref"), listed("week2_ref"), listed("tiny_llm")]).toEqual([false, true, true]);
  // --ref tells each course file's week by its name; a file it could not place is exit 2.
  expect(driver(["--ref", "--dry-run"]).status).toBe(0);
});

test("course_test_driver_chapter_beside_the_days_is_no_days_selection", () => {
  const r = driver(["-k", "week_2_day_1 or week_2_day_6", "tests/week_2_qwen3"]);
  expect(r.status).toBe(2);
  expect(r.out.at(-1)).toMatch(/^0 passed, 0 failed, \d+ deselected$/);
});

test("course_test_driver_chapter_beside_the_days_names_its_task_as_the_closest", () => {
  const r = driver(["-k", "week_2_qwen3_tsak_1", "tests/week_2_qwen3"]);
  expect(r.status).toBe(2);
  expect(r.err.at(-1)).toMatch(/^test: -k "week_2_qwen3_tsak_1" selects none of the \d+ tests: no test name contains "week_2_qwen3_tsak_1"; the closest: week_2_qwen3_task_1$/);
});
