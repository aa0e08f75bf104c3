// The jest reporter of `pnpm test`: a line per test file, and for each failing test
// its name, its message (without jest's code frames) and the first stack frame in the
// solution's own code, which is where a learner has something to change. Console
// output of the tests is kept. `pnpm test --reporters=default` gives jest's full report.
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const MAX_MESSAGE_LINES = 12;
const ANSI = /\u001b\[[0-9;]*m/g;

/** The source folder of the solution under test, e.g. packages/tiny-llm/src. */
function solutionSourceDir() {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "solutions.json"), "utf8"));
  const entry = manifest.solutions[process.env.TINY_LLM_SOLUTION ?? manifest.default];
  return entry ? path.join(ROOT, entry.dir) : null;
}

/** "at fn (file:line:col)" -> { file, line }, or null for frames without a file. */
function parseFrame(line) {
  const m = /\(?([^\s()]+):(\d+):\d+\)?$/.exec(line.trim());
  return m ? { file: m[1], line: Number(m[2]) } : null;
}

/** The message lines and the most useful frame ("file:line", relative to the root) of a failure. */
function summarize(failure, solutionDir) {
  const lines = failure.replace(ANSI, "").split("\n");
  const firstFrame = lines.findIndex((l) => /^\s+at /.test(l));
  const message = (firstFrame < 0 ? lines : lines.slice(0, firstFrame)).filter((l, i, all) => l.trim() !== "" || (i > 0 && all[i - 1].trim() !== ""));
  const frames = (firstFrame < 0 ? [] : lines.slice(firstFrame)).map(parseFrame).filter((f) => f !== null && !f.file.includes("node_modules"));
  const own = frames.find((f) => solutionDir && f.file.startsWith(solutionDir + path.sep)) ?? frames.find((f) => f.file.startsWith(path.join(ROOT, "tests") + path.sep));
  const clipped = message.length > MAX_MESSAGE_LINES ? [...message.slice(0, MAX_MESSAGE_LINES), `... (${message.length - MAX_MESSAGE_LINES} more lines; --reporters=default shows all)`] : message;
  return { message: clipped, where: own ? `${path.relative(ROOT, own.file)}:${own.line}` : null };
}

class CompactReporter {
  constructor() {
    this.solutionDir = solutionSourceDir();
  }

  onTestResult(_test, result) {
    const out = [];
    const file = path.relative(ROOT, result.testFilePath);
    for (const entry of result.console ?? []) out.push(`  console.${entry.type}: ${entry.message}`);
    if (result.testExecError || (result.testResults.length === 0 && result.failureMessage)) {
      const { message, where } = summarize(String(result.testExecError?.message ?? result.failureMessage), this.solutionDir);
      out.unshift(`FAIL ${file}: the file could not run`);
      out.push(...message.map((l) => `    ${l}`));
      if (where) out.push(`    at ${where}`);
    } else {
      const count = (status) => result.testResults.filter((t) => t.status === status).length;
      const [passed, failed] = [count("passed"), count("failed")];
      if (passed + failed === 0) return; // every test of the file deselected by -k
      out.unshift(`${failed > 0 ? "FAIL" : "PASS"} ${file} (${passed} passed${failed > 0 ? `, ${failed} failed` : ""})`);
      for (const t of result.testResults.filter((x) => x.status === "failed")) {
        const { message, where } = summarize(t.failureMessages.join("\n"), this.solutionDir);
        out.push(`  ✕ ${t.fullName}`, ...message.map((l) => `      ${l}`));
        if (where) out.push(`      at ${where}`);
      }
    }
    process.stdout.write(out.join("\n") + "\n");
  }
}

module.exports = CompactReporter;
