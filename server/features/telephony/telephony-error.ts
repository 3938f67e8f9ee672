// A call Twilio would not place or a recording it would not give, carried to the caller as a message key.
import { AppError } from '../../shared/errors.js';
import type { TelephonyFailure } from './call-status.js';

/** The task stays where it was; the attempt keeps the key as its reason. */
export class TelephonyError extends AppError {
  readonly twilioCode: number | null;
  readonly retryable: boolean;
  constructor(failure: TelephonyFailure, status = failure.retryable ? 503 : 502) {
    super(status, failure.messageKey, failure.params);
    this.name = 'TelephonyError';
    this.twilioCode = failure.twilioCode;
    this.retryable = failure.retryable;
  }
}
