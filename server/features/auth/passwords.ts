// Password hashing with argon2id (OWASP's first choice), via a prebuilt native binding.
import { hash, verify } from '@node-rs/argon2';

/** New passwords set by an admin or the CLI: long enough to resist guessing behind the rate limit. */
export const PASSWORD_MIN_LENGTH = 10;

export function hashPassword(plain: string): Promise<string> {
  return hash(plain);
}

export async function verifyPassword(stored: string, plain: string): Promise<boolean> {
  try {
    return await verify(stored, plain);
  } catch {
    return false;
  }
}
