// How the course's contract states a class: what the tests may call, nothing more.

/** Any class: a constructor of some instances. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyClass = abstract new (...args: any) => any;

/**
 * A class as the course fixes it: the reference's constructor parameters and the named
 * members of its instances. Fields, helpers and private state beyond them are the
 * solver's own (a workbook RoPE may keep its cos/sin tables however it likes).
 */
export type CourseClass<C extends AnyClass, Members extends keyof InstanceType<C>> = new (
  ...args: ConstructorParameters<C>
) => Pick<InstanceType<C>, Members>;
