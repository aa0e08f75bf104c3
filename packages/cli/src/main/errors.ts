// How `pnpm main` fails: one line on stderr that says what was wrong and what to do,
// and an exit status (2: the command line; 1: everything else). Never a stack trace,
// unless TINY_LLM_DEBUG=1.

/** A bad command line: printed with a pointer to --help, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure `pnpm main` explains itself (message already says what to do). */
export class MainError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "MainError";
  }
}

/** What the workbook's stubs throw (packages/tiny-llm/src/not-implemented.ts), by shape. */
interface NotImplemented {
  name: "NotImplementedError";
  exercise: string;
  tasks: readonly string[];
  chapter: string;
}

function isNotImplemented(e: unknown): e is NotImplemented {
  const x = e as Partial<NotImplemented> | null;
  return x instanceof Error && x.name === "NotImplementedError" && typeof x.exercise === "string" && Array.isArray(x.tasks);
}

/** The shell command that runs the tests of `tasks`: `pnpm test -k week_1_day_5_task_1`. */
export function testCommand(tasks: readonly string[]): string {
  return tasks.length === 1 ? `pnpm test -k ${tasks[0]}` : `pnpm test -k "${tasks.join(" or ")}"`;
}

/** A message on one line (errors from deeper layers may carry newlines). */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** The lines to print for `e` and the exit status. */
export function explain(e: unknown): { lines: string[]; exitCode: number } {
  if (e instanceof UsageError) {
    return { lines: [`main: ${oneLine(e.message)}`, "Run `pnpm main --help` for the options."], exitCode: 2 };
  }
  if (e instanceof MainError) return { lines: [`main: ${oneLine(e.message)}`], exitCode: e.exitCode };
  if (isNotImplemented(e)) {
    const tasks = e.tasks.join(", ");
    const week = /^week_(\d+)_/.exec(e.tasks[0] ?? "")?.[1] ?? "1"; // the reference of the exercise's week
    return {
      lines: [
        `main: your ${e.exercise} is not implemented yet (${tasks}; book: ${e.chapter}); ` +
          `write it in packages/tiny-llm/src, check it with \`${testCommand(e.tasks)}\`, or run a reference with --solution week${week}_ref`,
      ],
      exitCode: 1,
    };
  }
  // LoaderError messages already name the file and say what to do; anything else is unexpected.
  const message = e instanceof Error ? e.message : String(e);
  const unexpected = !(e instanceof Error && e.name === "LoaderError");
  const hint = unexpected && process.env.TINY_LLM_DEBUG !== "1" ? " (set TINY_LLM_DEBUG=1 to see where)" : "";
  return { lines: [`main: ${oneLine(message)}${hint}`], exitCode: 1 };
}
