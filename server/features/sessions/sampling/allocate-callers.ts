// Spreads a drawn sample over the session's callers: even shares, departments mixed, no conflict of interest.
import { badRequest } from '../../../shared/errors.js';
import { compareLabels } from './designs.js';

export interface AllocationTask {
  referenceNumber: string;
  /** Department code of the complaint. */
  department: string;
}

export interface AllocationCaller {
  id: string;
  name: string;
  /** Departments the caller is responsible for: they must never judge those departments' complaints. */
  conflictedDepartments: ReadonlySet<string> | readonly string[];
}

export interface CallerAllocation<T extends AllocationTask> {
  callerId: string;
  /** Departments interleaved, so the caller's queue does not run through one department at a time. */
  tasks: T[];
}

export interface AllocateOptions {
  departmentName?: (department: string) => string;
}

/**
 * Gives every caller ⌊T/C⌋ or ⌈T/C⌉ tasks, none of a department they are responsible for, and spreads each
 * department over as many callers as possible. The counts come from a max flow over callers × departments
 * (source → caller → department → sink), so a conflict-free even allocation is found whenever one exists;
 * when none exists the error names the callers (or departments) that make it impossible.
 *
 * Deterministic: the same tasks and callers in the same order always give the same allocation.
 */
export function allocateCallers<T extends AllocationTask>(
  tasks: readonly T[],
  callers: readonly AllocationCaller[],
  options: AllocateOptions = {},
): CallerAllocation<T>[] {
  if (callers.length === 0) throw badRequest('sessions.error.noCallers');
  if (new Set(callers.map((c) => c.id)).size !== callers.length)
    throw new Error('allocateCallers: duplicate caller id');
  const departmentName = options.departmentName ?? ((d: string) => d);

  const byDepartment = new Map<string, T[]>();
  for (const task of tasks) {
    const list = byDepartment.get(task.department);
    if (list) list.push(task);
    else byDepartment.set(task.department, [task]);
  }
  const departments = [...byDepartment.keys()].sort(compareLabels);
  const demand = departments.map((d) => byDepartment.get(d)!.length);
  const conflicts = callers.map((c) => new Set(c.conflictedDepartments));
  const eligible = callers.map((_, c) => departments.map((d) => !conflicts[c].has(d)));

  departments.forEach((d, j) => {
    if (!callers.some((_, c) => eligible[c][j])) {
      throw badRequest('sessions.error.departmentAllConflicted', { department: departmentName(d) });
    }
  });

  const shape: Shape = {
    callers: callers.length,
    demand,
    eligible,
    base: Math.floor(tasks.length / callers.length),
    extra: tasks.length % callers.length,
  };
  const loosest = solve(shape, Infinity);
  if (!loosest.ok) throw explainInfeasible(loosest, shape, callers, departments, departmentName);

  // The smallest slack over an even spread of each department that still allows an allocation.
  let low = 0;
  let high = Math.max(0, ...demand);
  let best = solve(shape, high);
  while (low < high) {
    const mid = (low + high) >> 1;
    const attempt = solve(shape, mid);
    if (attempt.ok) {
      best = attempt;
      high = mid;
    } else {
      low = mid + 1;
    }
  }

  return assignTasks(best, callers, departments, byDepartment);
}

interface Shape {
  callers: number;
  demand: number[];
  eligible: boolean[][];
  base: number;
  extra: number;
}

interface Solution {
  ok: boolean;
  failedPhase: 'base' | 'extra' | null;
  slack: number;
  network: FlowNetwork;
  /** pairEdge[c][j]: edge index caller c → department j, or -1 when conflicted. */
  pairEdge: number[][];
  sourceEdge: number[];
  sinkEdge: number[];
}

// Node numbering: 0 source, 1..C callers, C+1..C+D departments, C+D+1 sink.
function solve(shape: Shape, slack: number): Solution {
  const { callers, demand, eligible, base, extra } = shape;
  const departments = demand.length;
  const source = 0;
  const sink = callers + departments + 1;
  const network = new FlowNetwork(sink + 1);
  const eligibleCallers = demand.map((_, j) => eligible.filter((row) => row[j]).length);
  const sourceEdge = Array.from({ length: callers }, (_, c) => network.addEdge(source, 1 + c, base));
  const pairEdge = Array.from({ length: callers }, (_, c) =>
    demand.map((count, j) => {
      if (!eligible[c][j]) return -1;
      const spread = Math.ceil(count / eligibleCallers[j]);
      return network.addEdge(1 + c, 1 + callers + j, Math.min(count, spread + slack));
    }),
  );
  const sinkEdge = demand.map((count, j) => network.addEdge(1 + callers + j, sink, count));

  let flow = network.maxFlow(source, sink);
  const solution = { slack, network, pairEdge, sourceEdge, sinkEdge };
  if (flow < base * callers) return { ...solution, ok: false, failedPhase: 'base' };
  if (extra > 0) {
    // Raising every caller to ⌈T/C⌉ after all hold ⌊T/C⌋: augmenting paths never lower a source edge's flow.
    for (const edge of sourceEdge) network.raise(edge, 1);
    flow += network.maxFlow(source, sink);
    if (flow < base * callers + extra) return { ...solution, ok: false, failedPhase: 'extra' };
  }
  return { ...solution, ok: true, failedPhase: null };
}

function explainInfeasible(
  solution: Solution,
  shape: Shape,
  callers: readonly AllocationCaller[],
  departments: readonly string[],
  departmentName: (d: string) => string,
): Error {
  const { network } = solution;
  const names = (indexes: number[]) => indexes.map((c) => callers[c].name).join(', ');
  if (solution.failedPhase === 'base') {
    // Callers still reachable from the source form a Hall set: all non-conflicted complaints they could take
    // are used up, and together they need more.
    const reachable = network.reachableFromSource(0);
    const stuck = callers.map((_, c) => c).filter((c) => reachable[1 + c]);
    const onlyConflicted = stuck.filter((c) => !shape.eligible[c].some((ok, j) => ok && shape.demand[j] > 0));
    if (onlyConflicted.length > 0) {
      return badRequest('sessions.error.callersOnlyConflicted', { callers: names(onlyConflicted) });
    }
    const available = departments
      .map((_, j) => j)
      .filter((j) => reachable[1 + callers.length + j])
      .reduce((sum, j) => sum + shape.demand[j], 0);
    return badRequest('sessions.error.callersTooFewUnconflicted', {
      callers: names(stuck),
      needed: shape.base * stuck.length,
      available,
    });
  }
  // Complaints left over can only go to callers who already hold ⌈T/C⌉.
  const leftover = departments.map((_, j) => j).filter((j) => network.residual(solution.sinkEdge[j]) > 0);
  const full = callers.map((_, c) => c).filter((c) => leftover.some((j) => shape.eligible[c][j]));
  return badRequest('sessions.error.departmentTooFewCallers', {
    departments: leftover.map((j) => departmentName(departments[j])).join(', '),
    complaints: leftover.reduce((sum, j) => sum + network.residual(solution.sinkEdge[j]), 0),
    callers: names(full),
    perCaller: shape.base + 1,
  });
}

function assignTasks<T extends AllocationTask>(
  solution: Solution,
  callers: readonly AllocationCaller[],
  departments: readonly string[],
  byDepartment: ReadonlyMap<string, T[]>,
): CallerAllocation<T>[] {
  const received: T[][][] = callers.map(() => departments.map(() => []));
  departments.forEach((department, j) => {
    const owed = callers.map((_, c) => {
      const edge = solution.pairEdge[c][j];
      return edge < 0 ? 0 : solution.network.flow(edge);
    });
    // Consecutive tasks of a department (in the order given, i.e. rank order) go to different callers.
    let c = 0;
    for (const task of byDepartment.get(department)!) {
      while (owed[c] === 0) c = (c + 1) % callers.length;
      received[c][j].push(task);
      owed[c]--;
      c = (c + 1) % callers.length;
    }
  });
  return callers.map((caller, c) => {
    const tasks: T[] = [];
    const depth = Math.max(0, ...received[c].map((list) => list.length));
    for (let round = 0; round < depth; round++) {
      for (const list of received[c]) if (round < list.length) tasks.push(list[round]);
    }
    return { callerId: caller.id, tasks };
  });
}

/** Dinic's max flow on a small graph; edges are stored in pairs (forward at even index, backward at odd). */
class FlowNetwork {
  private readonly edgesFrom: number[][];
  private readonly to: number[] = [];
  private readonly capacity: number[] = [];
  private readonly initial: number[] = [];

  constructor(nodes: number) {
    this.edgesFrom = Array.from({ length: nodes }, () => []);
  }

  addEdge(from: number, to: number, capacity: number): number {
    const index = this.to.length;
    this.to.push(to, from);
    this.capacity.push(capacity, 0);
    this.initial.push(capacity, 0);
    this.edgesFrom[from].push(index);
    this.edgesFrom[to].push(index + 1);
    return index;
  }

  raise(edge: number, by: number): void {
    this.capacity[edge] += by;
    this.initial[edge] += by;
  }

  flow(edge: number): number {
    return this.initial[edge] - this.capacity[edge];
  }

  residual(edge: number): number {
    return this.capacity[edge];
  }

  maxFlow(source: number, sink: number): number {
    let total = 0;
    for (;;) {
      const level = this.levels(source);
      if (level[sink] < 0) return total;
      const cursor = new Array<number>(this.edgesFrom.length).fill(0);
      for (let pushed; (pushed = this.push(source, sink, Infinity, level, cursor)) > 0;) total += pushed;
    }
  }

  reachableFromSource(source: number): boolean[] {
    return this.levels(source).map((l) => l >= 0);
  }

  private levels(source: number): number[] {
    const level = new Array<number>(this.edgesFrom.length).fill(-1);
    level[source] = 0;
    const queue = [source];
    for (let i = 0; i < queue.length; i++) {
      const u = queue[i];
      for (const e of this.edgesFrom[u]) {
        const v = this.to[e];
        if (this.capacity[e] > 0 && level[v] < 0) {
          level[v] = level[u] + 1;
          queue.push(v);
        }
      }
    }
    return level;
  }

  private push(u: number, sink: number, limit: number, level: number[], cursor: number[]): number {
    if (u === sink) return limit;
    const edges = this.edgesFrom[u];
    for (; cursor[u] < edges.length; cursor[u]++) {
      const e = edges[cursor[u]];
      const v = this.to[e];
      if (this.capacity[e] <= 0 || level[v] !== level[u] + 1) continue;
      const pushed = this.push(v, sink, Math.min(limit, this.capacity[e]), level, cursor);
      if (pushed > 0) {
        this.capacity[e] -= pushed;
        this.capacity[e ^ 1] += pushed;
        return pushed;
      }
    }
    return 0;
  }
}
