// `pnpm main`: chat once with a Qwen2 model. The driver needs the model of week 1,
// which has not landed yet; until then it says so instead of pretending.
console.error(
  "pnpm main: chatting with a model needs the week 1 solution (the Qwen2 model and its loader), " +
    "which is not in this checkout yet.\nMeanwhile: `pnpm test-ref` checks the array library, `pnpm bench` measures it.",
);
process.exit(2);
