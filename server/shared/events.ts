// The domain events services emit after their transaction commits; the board turns them into socket messages.
import { EventEmitter } from 'node:events';

export interface OutcomeRecordedEvent {
  outcomeId: number;
  taskId: number;
  sessionId: number;
  districtId: number;
  complaintId: number;
  referenceNo: string;
  departmentId: number;
  userId: number | null;
  verdict: string | null;
  disposition: string;
  at: string;
}

export interface DomainEvents {
  'outcome:recorded': OutcomeRecordedEvent;
  'task:changed': {
    taskId: number;
    sessionId: number;
    districtId: number;
    status: string;
    userId: number | null;
  };
  'caller:state': {
    sessionId: number;
    districtId: number;
    userId: number;
    state: 'idle' | 'dialling' | 'on-call' | 'wrapping-up';
  };
  'attempt:updated': {
    attemptId: number;
    taskId: number;
    sessionId: number;
    districtId: number;
    callStatus: string;
  };
  'flag:raised': {
    flagId: number;
    sessionId: number;
    districtId: number;
    complaintId: number;
    reason: string;
  };
  'flag:decided': { flagId: number; sessionId: number; districtId: number; status: string };
  'explanation:changed': { demandId: number; sessionId: number; districtId: number; status: string };
  'draw:made': { drawId: number; sessionId: number; districtId: number };
  'import:progress': { batchId: number; rowsRead: number; done: boolean };
}

export class EventBus {
  private emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(100);
  }
  on<K extends keyof DomainEvents>(name: K, listener: (payload: DomainEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
  emit<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void {
    this.emitter.emit(name, payload);
  }
}
