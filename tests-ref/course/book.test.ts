// The book's promises: every `pnpm test` command it prints selects at least one test,
// and every link between its pages resolves.
import * as fs from "fs";
import * as path from "path";
import { runCourseSuites } from "./course-run";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { keywordMatches } = require("../../scripts/keyword.cjs") as {
  keywordMatches: (expr: string, name: string) => boolean;
};

const BOOK = path.resolve(__dirname, "..", "..", "book", "src");
const SOLUTIONS = ["tiny_llm", "week1_ref", "week2_ref"];

function pages(): string[] {
  return fs.readdirSync(BOOK).filter((f) => f.endsWith(".md")).sort();
}

/** Every `pnpm test ...` line of the book: [page, line, -k expression, solution]. */
function testCommands(): { page: string; line: string; k: string | null; solution: string | null }[] {
  const found = [];
  for (const page of pages()) {
    for (const raw of fs.readFileSync(path.join(BOOK, page), "utf8").split("\n")) {
      const line = raw.trim();
      if (!/^pnpm test(\s|$)/.test(line)) continue;
      const k = /\s-k\s+(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(line);
      const solution = /\s--solution\s+(\S+)/.exec(line);
      found.push({ page, line, k: k ? (k[1] ?? k[2] ?? k[3]) : null, solution: solution ? solution[1] : null });
    }
  }
  return found;
}

test("course_book_test_commands_select_tests", () => {
  const commands = testCommands();
  expect(commands.length).toBeGreaterThan(0);
  const names = runCourseSuites("tiny_llm").tests.map((t) => t.title);
  const bad = commands.flatMap(({ page, line, k, solution }) => {
    if (solution !== null && !SOLUTIONS.includes(solution)) return [`${page}: \`${line}\`: unknown solution ${solution}`];
    if (k === null) return [];
    return names.some((n) => keywordMatches(k, n)) ? [] : [`${page}: \`${line}\` selects no test`];
  });
  expect(bad).toEqual([]);
});

test("course_book_links_resolve", () => {
  const summary = fs.readFileSync(path.join(BOOK, "SUMMARY.md"), "utf8");
  const linked = [...summary.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
  expect(linked.length).toBeGreaterThan(0);
  const broken: string[] = [];
  for (const target of linked) {
    if (!fs.existsSync(path.join(BOOK, target))) broken.push(`SUMMARY.md -> ${target}`);
  }
  // Links between pages (not to the web) must land on a page too.
  for (const page of pages()) {
    for (const m of fs.readFileSync(path.join(BOOK, page), "utf8").matchAll(/\]\((\.?\.?\/?[\w./-]+\.md)(#[\w-]*)?\)/g)) {
      if (!fs.existsSync(path.join(BOOK, m[1]))) broken.push(`${page} -> ${m[1]}`);
    }
  }
  expect(broken).toEqual([]);
  // And every page is reachable from SUMMARY.md.
  const unlinked = pages().filter((p) => p !== "SUMMARY.md" && !linked.some((l) => path.normalize(l) === p));
  expect(unlinked).toEqual([]);
});
