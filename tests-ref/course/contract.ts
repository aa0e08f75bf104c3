// Compile-time only (`pnpm typecheck`, and course_typecheck in workbook.test.ts): every
// solution satisfies the course's contract of the weeks it covers. An error here names
// the export and the signature that no longer matches the contract in tests/contract/.
import type * as Workbook from "@tiny-llm/tiny-llm";
import type * as Week1Ref from "@tiny-llm/tiny-llm-week1-ref";
import type * as Week2Ref from "@tiny-llm/tiny-llm-week2-ref";
import type { Week1 } from "../../tests/contract/week1";
import type { Week2 } from "../../tests/contract/week2";

type Satisfies<Contract, Solution extends Contract> = Solution;

export type WorkbookKeepsTheContract = Satisfies<Week2, typeof Workbook>;
export type Week1RefKeepsTheContract = Satisfies<Week1, typeof Week1Ref>;
export type Week2RefKeepsTheContract = Satisfies<Week2, typeof Week2Ref>;
