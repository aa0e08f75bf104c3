// Runs the course suites (tests/) once against a solution, in a separate jest process,
// and returns every test's full name and outcome. Cached per process: the workbook
// check and the book's command check read the same run.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

export interface CourseTest {
  /** The test's full name: what `pnpm test -k` matches. */
  title: string;
  status: string;
  failureMessages: string[];
}

export interface CourseRun {
  tests: CourseTest[];
  /** Suites that could not run at all (syntax errors, failed imports). */
  suiteErrors: string[];
}

const cache = new Map<string, CourseRun>();

export function runCourseSuites(solution: string): CourseRun {
  const cached = cache.get(solution);
  if (cached) return cached;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-course-"));
  try {
    const outputFile = path.join(tmp, "results.json");
    const jest = require.resolve("jest/bin/jest");
    spawnSync(
      process.execPath,
      [jest, "--testMatch=<rootDir>/tests/**/*.test.ts", "--json", `--outputFile=${outputFile}`, "--silent"],
      { cwd: ROOT, env: { ...process.env, TINY_LLM_SOLUTION: solution }, encoding: "utf8" },
    );
    if (!fs.existsSync(outputFile)) throw new Error(`jest wrote no results for the course suites (solution ${solution})`);
    const report = JSON.parse(fs.readFileSync(outputFile, "utf8"));
    const run: CourseRun = { tests: [], suiteErrors: [] };
    for (const suite of report.testResults ?? []) {
      const results = suite.assertionResults ?? [];
      if (suite.testExecError || (suite.status === "failed" && results.length === 0)) {
        run.suiteErrors.push(`${path.relative(ROOT, suite.name)}: ${suite.message ?? suite.testExecError?.message}`);
      }
      for (const t of results) {
        run.tests.push({ title: t.fullName, status: t.status, failureMessages: t.failureMessages ?? [] });
      }
    }
    cache.set(solution, run);
    return run;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
