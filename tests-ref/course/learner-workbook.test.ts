// A learner's workbook after days 1 and 2, written in their own style: basics.ts
// finished (so its NotImplementedError import is unused), RoPE with fields of its own
// (the cos/sin tables, as the reference keeps them, plus a public one) and a helper
// module. Such a workbook must build as `pnpm install` / `pnpm build` build it
// and typecheck with the course suites as `pnpm typecheck` does.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKBOOK = path.join(ROOT, "packages", "tiny-llm");
const REFERENCE = path.join(ROOT, "packages", "tiny-llm-week1-ref", "src");
const TSC = require.resolve("typescript/bin/tsc");

/** The workbook's sources with days 1-2 written from the reference, keeping the stubs' imports. */
function writeLearnerWorkbook(dir: string): void {
  fs.cpSync(path.join(WORKBOOK, "src"), path.join(dir, "src"), { recursive: true });
  fs.symlinkSync(path.join(WORKBOOK, "node_modules"), path.join(dir, "node_modules")); // its dependencies, as pnpm linked them
  const keepImport = `import { NotImplementedError } from "./not-implemented";\n`;
  // A helper module of the learner's own (the reference's argument checks).
  fs.copyFileSync(path.join(REFERENCE, "checks.ts"), path.join(dir, "src", "checks.ts"));
  fs.writeFileSync(path.join(dir, "src", "basics.ts"), keepImport + fs.readFileSync(path.join(REFERENCE, "basics.ts"), "utf8"));
  const rope = fs.readFileSync(path.join(REFERENCE, "positional-encoding.ts"), "utf8")
    .replace("export class RoPE {", "export class RoPE {\n  /** A public field of the learner's own. */\n  readonly halfDims: number;")
    .replace("    checkPositiveInt(\"RoPE\", \"dims\", dims);", "    this.halfDims = dims / 2;\n    checkPositiveInt(\"RoPE\", \"dims\", dims);");
  expect(rope).toContain("this.halfDims = dims / 2;");
  fs.writeFileSync(path.join(dir, "src", "positional-encoding.ts"), keepImport + rope);
}

function tsc(tsconfig: string): string {
  const out = spawnSync(process.execPath, [TSC, "-p", tsconfig], { cwd: ROOT, encoding: "utf8" });
  return `${out.stdout}${out.stderr}`.trim() + (out.status === 0 ? "" : `\n(tsc exit ${out.status})`);
}

describe("course_learner_workbook", () => {
  // Inside the repository, so that node_modules (types, packages) resolve as for the real workbook.
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(ROOT, "packages", ".learner-workbook-"));
    writeLearnerWorkbook(dir);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("course_learner_workbook_builds", () => {
    // The workbook's own tsconfig, as `pnpm build` runs it.
    const config = path.join(dir, "tsconfig.json");
    fs.writeFileSync(config, JSON.stringify({ extends: path.join(WORKBOOK, "tsconfig.json"), compilerOptions: { rootDir: "src", outDir: "dist" }, include: ["src"] }));
    expect(tsc(config)).toBe("");
    expect(fs.existsSync(path.join(dir, "dist", "positional-encoding.js"))).toBe(true);
  });

  test("course_learner_workbook_typechecks_with_the_course_suites", () => {
    // tests/tsconfig.json with @tiny-llm/tiny-llm pointing at the learner's copy.
    const testsConfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "tsconfig.json"), "utf8").replace(/^\s*\/\/.*$/gm, ""));
    const paths: Record<string, string[]> = { "@tiny-llm/tiny-llm": [path.join(dir, "src")] };
    for (const [k, v] of Object.entries(testsConfig.compilerOptions.paths as Record<string, string[]>)) {
      paths[k] = v.map((p) => path.resolve(ROOT, "tests", p));
    }
    const config = path.join(dir, "tsconfig.tests.json");
    fs.writeFileSync(config, JSON.stringify({
      extends: path.join(ROOT, "tests", "tsconfig.json"),
      compilerOptions: { paths, typeRoots: [path.join(ROOT, "node_modules", "@types")] },
      include: [path.join(ROOT, "tests", "**", "*.ts"), path.join(ROOT, "tests-ref", "course", "contract.ts")],
    }));
    expect(tsc(config)).toBe("");
  });
});
