// A jest reporter that writes what the test driver (scripts/test.mjs) counts to the
// file named by $TINY_LLM_RESULTS_FILE: every suite, whether it could run, and each
// test's full name, status and failure messages. (jest's own --json --outputFile would
// do the same but prints a line about the file, which the driver deletes.)
const fs = require("node:fs");

class ResultsReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.TINY_LLM_RESULTS_FILE;
    if (!file) return;
    const suites = results.testResults.map((s) => ({
      path: s.testFilePath,
      // A suite that could not run at all (syntax error, failed import, no tests).
      execError: s.testExecError ? String(s.testExecError.message ?? s.testExecError) : s.testResults.length === 0 && s.failureMessage ? s.failureMessage : null,
      tests: s.testResults.map((t) => ({
        fullName: t.fullName,
        status: t.status,
        ancestorTitles: t.ancestorTitles,
        failureMessages: t.failureMessages,
      })),
    }));
    fs.writeFileSync(file, JSON.stringify({ suites }));
  }
}

module.exports = ResultsReporter;
