// Test-data builders for sampling: synthetic frames, callers and tasks, reproducible from a seed.
import { expect } from 'chai';
import { AppError } from '../../../../../server/shared/errors.js';
import { seededRandom, type Random } from '../../../../../server/shared/random.js';
import type { FrameEntry } from '../../../../../server/features/sessions/sampling/draw-rule.js';

/** A frame with the given number of complaints per department, in ascending reference order as the rule requires. */
export function aFrame(
  sizes: Record<string, number>,
  options: { random?: Random; firstReference?: number } = {},
) {
  const random = options.random ?? seededRandom('frame');
  const departments = Object.entries(sizes).flatMap(([department, count]) => Array(count).fill(department));
  for (let i = departments.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [departments[i], departments[j]] = [departments[j], departments[i]];
  }
  let reference = options.firstReference ?? 40015325000000;
  return departments.map((stratum): FrameEntry => {
    reference += random.int(1, 9);
    return { referenceNumber: String(reference), stratum };
  });
}

/** Department sizes drawn at random: `strata` departments of 1..maxSize complaints. */
export function someStratumSizes(random: Random, strata: number, maxSize: number): Map<string, number> {
  return new Map(
    Array.from({ length: strata }, (_, i) => [`dept-${String(i).padStart(2, '0')}`, random.int(1, maxSize)]),
  );
}

export function expectAppError(
  run: () => unknown,
  key: string,
  params?: Record<string, string | number>,
): AppError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected AppError ${key}`).to.be.instanceOf(AppError);
  const error = caught as AppError;
  expect(error.key).to.equal(key);
  if (params) expect(error.params).to.include(params);
  return error;
}

export async function expectAppErrorAsync(run: () => Promise<unknown>, key: string): Promise<AppError> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected AppError ${key}`).to.be.instanceOf(AppError);
  expect((caught as AppError).key).to.equal(key);
  return caught as AppError;
}
