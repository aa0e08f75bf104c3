// Checking the errors a solution throws for bad input.

/**
 * Runs `fn`, expecting an error whose message matches every pattern. A stub's
 * NotImplementedError passes through, so that an exercise not written yet fails as such.
 */
export function expectError(fn: () => unknown, ...patterns: RegExp[]): void {
  let message: string | undefined;
  try {
    fn();
  } catch (e) {
    if (e instanceof Error && e.name === "NotImplementedError") throw e;
    message = e instanceof Error ? e.message : String(e);
  }
  if (message === undefined) throw new Error(`expected an error matching ${patterns.join(", ")}; nothing was thrown`);
  for (const p of patterns) expect(message).toMatch(p);
}
