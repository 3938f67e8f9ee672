import { expect } from 'chai';
import { seededRandom, type Random } from '../../../../../server/shared/random.js';
import {
  allocateCallers,
  type AllocationCaller,
  type AllocationTask,
  type CallerAllocation,
} from '../../../../../server/features/sessions/sampling/allocate-callers.js';
import { expectAppError } from './builders.js';

const DEPARTMENTS = Array.from({ length: 24 }, (_, i) => `dept-${String(i).padStart(2, '0')}`);

function someTasks(counts: Record<string, number>): AllocationTask[] {
  let reference = 40015325000000;
  return Object.entries(counts).flatMap(([department, count]) =>
    Array.from({ length: count }, () => ({ referenceNumber: String(++reference), department })),
  );
}

function aCaller(id: string, ...conflictedDepartments: string[]): AllocationCaller {
  return { id, name: `Officer ${id}`, conflictedDepartments };
}

function randomTasks(random: Random, total: number, departments: readonly string[]): AllocationTask[] {
  return Array.from({ length: total }, (_, i) => ({
    referenceNumber: String(40015325000000 + i),
    department: random.pick(departments),
  }));
}

/** Checks every property the allocation promises; returns the tasks per caller. */
function expectSound(
  allocation: CallerAllocation<AllocationTask>[],
  tasks: AllocationTask[],
  callers: AllocationCaller[],
) {
  expect(allocation.map((a) => a.callerId)).to.deep.equal(callers.map((c) => c.id));
  const given = allocation.flatMap((a) => a.tasks.map((t) => t.referenceNumber)).sort();
  expect(given).to.deep.equal(tasks.map((t) => t.referenceNumber).sort());
  const low = Math.floor(tasks.length / callers.length);
  allocation.forEach((a, c) => {
    expect(a.tasks.length).to.be.within(low, low + 1);
    const conflicted = new Set(callers[c].conflictedDepartments);
    for (const task of a.tasks)
      expect(conflicted.has(task.department), `${a.callerId} got ${task.department}`).to.equal(false);
  });
}

/** Whether any conflict-free even allocation exists, by trying every assignment (small cases only). */
function existsByBruteForce(tasks: AllocationTask[], callers: AllocationCaller[]): boolean {
  const low = Math.floor(tasks.length / callers.length);
  const sizes = new Array<number>(callers.length).fill(0);
  const place = (i: number): boolean => {
    if (i === tasks.length) return sizes.every((s) => s >= low && s <= low + 1);
    for (let c = 0; c < callers.length; c++) {
      if (sizes[c] > low) continue;
      if ([...callers[c].conflictedDepartments].includes(tasks[i].department)) continue;
      sizes[c]++;
      if (place(i + 1)) return true;
      sizes[c]--;
    }
    return false;
  };
  return place(0);
}

describe('allocating a sample to callers', () => {
  it('gives each of 11 officers exactly 5 of 55 complaints, mixing the 24 departments', () => {
    const random = seededRandom('kanpur');
    const tasks = randomTasks(random, 55, DEPARTMENTS);
    const callers = Array.from({ length: 11 }, (_, i) =>
      aCaller(`o${i}`, DEPARTMENTS[i], DEPARTMENTS[i + 11]),
    );
    const allocation = allocateCallers(tasks, callers);
    expectSound(allocation, tasks, callers);
    for (const a of allocation) expect(a.tasks).to.have.length(5);
    // No department has more than 11 tasks here, so nobody needs two of the same department.
    for (const a of allocation) {
      expect(new Set(a.tasks.map((t) => t.department)).size, a.callerId).to.equal(a.tasks.length);
    }
  });

  it('never gives a caller all of a department that others could share', () => {
    const tasks = someTasks({ revenue: 10, police: 10 });
    const callers = ['a', 'b', 'c', 'd', 'e'].map((id) => aCaller(id));
    const allocation = allocateCallers(tasks, callers);
    for (const a of allocation) {
      expect(a.tasks.map((t) => t.department).sort()).to.deep.equal([
        'police',
        'police',
        'revenue',
        'revenue',
      ]);
    }
  });

  it('interleaves departments in each caller’s queue', () => {
    const tasks = someTasks({ revenue: 3, police: 3 });
    const [only] = allocateCallers(tasks, [aCaller('a')]);
    expect(only.tasks.map((t) => t.department)).to.deep.equal([
      'police',
      'revenue',
      'police',
      'revenue',
      'police',
      'revenue',
    ]);
  });

  it('spreads a total that does not divide evenly so sizes differ by at most one', () => {
    const random = seededRandom('uneven');
    const tasks = randomTasks(random, 1003, DEPARTMENTS);
    const callers = Array.from({ length: 200 }, (_, i) => aCaller(`c${i}`, random.pick(DEPARTMENTS)));
    const allocation = allocateCallers(tasks, callers);
    expectSound(allocation, tasks, callers);
    expect(allocation.filter((a) => a.tasks.length === 6)).to.have.length(3);
  });

  it('is deterministic', () => {
    const random = seededRandom('same');
    const tasks = randomTasks(random, 300, DEPARTMENTS);
    const callers = Array.from({ length: 60 }, (_, i) => aCaller(`c${i}`, random.pick(DEPARTMENTS)));
    expect(allocateCallers(tasks, callers)).to.deep.equal(allocateCallers(tasks, callers));
  });

  it('handles 1,000 complaints over 200 callers with conflicts', () => {
    const random = seededRandom('thousand');
    const tasks = randomTasks(random, 1000, DEPARTMENTS);
    const callers = Array.from({ length: 200 }, (_, i) =>
      aCaller(`c${i}`, ...Array.from({ length: random.int(0, 3) }, () => random.pick(DEPARTMENTS))),
    );
    const allocation = allocateCallers(tasks, callers);
    expectSound(allocation, tasks, callers);
    for (const a of allocation) expect(a.tasks).to.have.length(5);
  });

  it('finds a conflict-free even allocation exactly when one exists (checked by brute force)', () => {
    const random = seededRandom('exists');
    let feasible = 0;
    let infeasible = 0;
    for (let trial = 0; trial < 300; trial++) {
      const departments = DEPARTMENTS.slice(0, random.int(1, 3));
      const tasks = randomTasks(random, random.int(0, 7), departments);
      const callers = Array.from({ length: random.int(1, 4) }, (_, i) =>
        aCaller(`c${i}`, ...departments.filter(() => random.chance(0.4))),
      );
      let allocation: CallerAllocation<AllocationTask>[] | null = null;
      try {
        allocation = allocateCallers(tasks, callers);
      } catch (error) {
        expect((error as { key?: string }).key, String(error)).to.match(/^sessions\.error\./);
      }
      expect(allocation !== null, `trial ${trial}`).to.equal(existsByBruteForce(tasks, callers));
      if (allocation) {
        expectSound(allocation, tasks, callers);
        feasible++;
      } else {
        infeasible++;
      }
    }
    expect(feasible).to.be.above(50);
    expect(infeasible).to.be.above(20);
  });

  describe('bad input', () => {
    it('needs at least one caller', () => {
      expectAppError(() => allocateCallers(someTasks({ revenue: 2 }), []), 'sessions.error.noCallers');
    });

    it('names a caller responsible for every department in the sample', () => {
      const tasks = someTasks({ revenue: 4, police: 4 });
      const callers = [aCaller('a'), aCaller('b', 'revenue', 'police'), aCaller('c')];
      expectAppError(() => allocateCallers(tasks, callers), 'sessions.error.callersOnlyConflicted', {
        callers: 'Officer b',
      });
    });

    it('names callers who together have too few complaints free of conflict', () => {
      // b and c may only take police, of which there are 3; they need 4 between them.
      const tasks = someTasks({ revenue: 3, police: 3 });
      const callers = [aCaller('a'), aCaller('b', 'revenue'), aCaller('c', 'revenue')];
      expectAppError(() => allocateCallers(tasks, callers), 'sessions.error.callersTooFewUnconflicted', {
        callers: 'Officer b, Officer c',
        needed: 4,
        available: 3,
      });
    });

    it('names a department every caller is responsible for', () => {
      const tasks = someTasks({ revenue: 1, police: 1 });
      const callers = [aCaller('a', 'revenue'), aCaller('b', 'revenue')];
      const error = expectAppError(
        () => allocateCallers(tasks, callers, { departmentName: (d) => d.toUpperCase() }),
        'sessions.error.departmentAllConflicted',
      );
      expect(error.params).to.deep.equal({ department: 'REVENUE' });
    });

    it('names a department too big for the callers free to take it', () => {
      // Only c may take revenue; with 5 over 3 callers nobody may hold more than 2, so one revenue is left.
      const tasks = someTasks({ revenue: 3, police: 2 });
      const callers = [aCaller('a', 'revenue'), aCaller('b', 'revenue'), aCaller('c')];
      expectAppError(() => allocateCallers(tasks, callers), 'sessions.error.departmentTooFewCallers', {
        departments: 'revenue',
        complaints: 1,
        callers: 'Officer c',
        perCaller: 2,
      });
    });
  });
});
