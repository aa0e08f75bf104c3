// The learner's workbook as it ships: it compiles, it and the references keep the
// course's contract (tests/contract/, checked by tsc through ./contract.ts), and every
// course test reaches a stub of its own task and fails there with NotImplementedError
// and nothing else.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as workbook from "@tiny-llm/tiny-llm";
import * as week2Ref from "@tiny-llm/tiny-llm-week2-ref";
import { runCourseSuites } from "./course-run";

const ROOT = path.resolve(__dirname, "..", "..");

test("course_workbook_exports_what_the_references_export", () => {
  const exercises = Object.keys(workbook).filter((k) => k !== "NotImplementedError").sort();
  // The newest reference re-exports the older weeks' names.
  const reference = Object.keys(week2Ref).filter((k) => k !== "ArgumentError").sort();
  expect(exercises).toEqual(reference);
});

test("course_untouched_workbook_fails_only_with_not_implemented", () => {
  const run = runCourseSuites("tiny_llm");
  expect(run.suiteErrors).toEqual([]);
  expect(run.tests.length).toBeGreaterThan(0);
  const wrong = run.tests.flatMap((t) => {
    if (t.status !== "failed") return [`${t.title}: ${t.status}, expected a NotImplementedError failure`];
    const first = t.failureMessages.join("\n");
    const m = /NotImplementedError: \S+ is not implemented yet \(([^;]+);/.exec(first);
    if (!m) return [`${t.title}: failed without NotImplementedError:\n${first.split("\n").slice(0, 3).join("\n")}`];
    const tasks = m[1].split(", ");
    // The stub that threw must be one of this test's task: ..._week_1_day_2_task_1_rope_... -> week_1_day_2_task_1,
    // or of a chapter beside the days: week_2_qwen3_task_1_... -> week_2_qwen3_task_1.
    const own = /week_\d+_(?:day_\d+|[a-z][a-z0-9]*)_task_\d+/.exec(t.title)?.[0];
    return own && tasks.includes(own) ? [] : [`${t.title}: reached the stub of ${tasks.join(", ")}`];
  });
  expect(wrong).toEqual([]);
});

test("course_typecheck", () => {
  // The workbook, the references, the course suites and these tests, as tsc sees them.
  const tsc = require.resolve("typescript/bin/tsc");
  const out = spawnSync(process.execPath, [tsc, "-p", path.join(ROOT, "tests", "tsconfig.json")], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(out.stdout + out.stderr).toBe("");
  expect(out.status).toBe(0);
});

test("course_stub_package_compiles_on_its_own", () => {
  const tsc = require.resolve("typescript/bin/tsc");
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-workbook-"));
  try {
    const out = spawnSync(process.execPath, [tsc, "-p", path.join(ROOT, "packages", "tiny-llm"), "--outDir", outDir], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(out.stdout + out.stderr).toBe("");
    expect(fs.existsSync(path.join(outDir, "index.js"))).toBe(true);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
});
