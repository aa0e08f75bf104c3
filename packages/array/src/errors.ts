// Errors of @tiny-llm/array: every message starts with the op and names the shapes
// and dtypes involved, e.g. "matmul: shapes [2,3] and [4,5] do not line up (3 vs 4)".

/** The error every op throws for bad input. */
export class ArrayError extends Error {
  constructor(
    /** The op that refused its input, e.g. "matmul". */
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
    this.name = "ArrayError";
  }
}

/** "[2,3]" — how shapes appear in messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}
