// What every stub of the workbook throws until you write it.

/**
 * Thrown by an exercise you have not written yet. Its message names the exercise, the
 * test ids that exercise it (`pnpm test -k <id>`) and the book chapter that explains it.
 */
export class NotImplementedError extends Error {
  constructor(
    /** The function or method, e.g. "RoPE.forward". */
    readonly exercise: string,
    /** The tasks it belongs to, as test ids select them: "week_1_day_2_task_1". */
    readonly tasks: readonly string[],
    /** The book chapter, e.g. "week1-02-positional-encodings.md". */
    readonly chapter: string,
  ) {
    super(`${exercise} is not implemented yet (${tasks.join(", ")}; book: ${chapter})`);
    this.name = "NotImplementedError";
  }
}
