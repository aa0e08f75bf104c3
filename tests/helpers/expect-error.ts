// Checking the errors a solution throws for bad input.

/**
 * Runs `fn`, expecting an error whose message matches every pattern. A stub's
 * NotImplementedError passes through, so that an exercise not written yet fails as such.
 */
export function expectError(fn: () => unknown, ...patterns: RegExp[]): void {
  let error: { e: unknown } | undefined;
  try {
    fn();
  } catch (e) {
    error = { e };
  }
  expectMatching(error, patterns);
}

/** expectError for an async function: its promise rejects (or it throws at once) with such an error. */
export async function expectRejection(fn: () => Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  let error: { e: unknown } | undefined;
  try {
    await fn();
  } catch (e) {
    error = { e };
  }
  expectMatching(error, patterns);
}

/** The error caught (undefined: none was), checked against `patterns`. */
function expectMatching(error: { e: unknown } | undefined, patterns: RegExp[]): void {
  if (error === undefined) throw new Error(`expected an error matching ${patterns.join(", ")}; nothing was thrown`);
  const { e } = error;
  if (e instanceof Error && e.name === "NotImplementedError") throw e;
  const message = e instanceof Error ? e.message : String(e);
  for (const p of patterns) expect(message).toMatch(p);
}
