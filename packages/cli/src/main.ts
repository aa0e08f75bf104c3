// `pnpm main`: chat once with a Qwen2 model and stream the answer, or answer many prompts
// at once (--prompts-file, --requests; see README.md).
//
//   pnpm main --solution week1_ref [--model M] [--prompt TEXT] [--max-tokens N] ...
//   pnpm main --solution week2_ref --prompts-file F [--batch-size B] ...
//
// Exit status: 0 done; 2 a bad command line (or a solution this checkout lacks); 1
// anything else (no GPU for --device gpu, a model that cannot be loaded, an exercise not
// written yet, an unexpected error), always as one line on stderr.
import { manyPrompts, parseArgs, USAGE } from "./main/args";
import { explain } from "./main/errors";

/** `pnpm main` runs this in packages/cli; pnpm says where the user typed it in INIT_CWD. */
function userCwd(): string {
  const init = process.env.INIT_CWD;
  return process.env.npm_lifecycle_event === "main" && init ? init : process.cwd();
}

async function main(argv: string[]): Promise<number> {
  const io = {
    out: (text: string) => void process.stdout.write(text),
    err: (line: string) => void process.stderr.write(line + "\n"),
  };
  try {
    const opts = parseArgs(argv);
    if (opts.help) {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    process.chdir(userCwd()); // relative --model paths are the user's
    // Loaded here, not at the top, so that a failure to load the array library's native
    // core (not built yet, or being rebuilt) is reported like any other error.
    if (manyPrompts(opts)) {
      const { serve } = await import("./main/serve");
      await serve(opts, io);
    } else {
      const { chat } = await import("./main/chat");
      await chat(opts, io);
    }
    return 0;
  } catch (e) {
    const { lines, exitCode } = explain(e);
    for (const line of lines) io.err(line);
    if (process.env.TINY_LLM_DEBUG === "1" && e instanceof Error && e.stack) io.err(e.stack);
    return exitCode;
  }
}

// `pnpm main | head`: the reader went away; stop quietly rather than with a stack.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
