// Errors that reach users: an HTTP status and a message key from the catalogue, never inline text.
export class AppError extends Error {
  constructor(
    public readonly status: number,
    public readonly key: string,
    public readonly params: Record<string, string | number> = {},
  ) {
    super(key);
    this.name = 'AppError';
  }
}

export const badRequest = (key: string, params?: Record<string, string | number>) =>
  new AppError(400, key, params);
export const forbidden = (key = 'error.forbidden', params?: Record<string, string | number>) =>
  new AppError(403, key, params);
export const notFound = (key = 'error.notFound', params?: Record<string, string | number>) =>
  new AppError(404, key, params);
export const conflict = (key: string, params?: Record<string, string | number>) =>
  new AppError(409, key, params);
