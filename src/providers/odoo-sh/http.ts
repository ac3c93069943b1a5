// JSON over HTTP to the Odoo.sh-style API: bearer token, per-attempt timeout, retries
// with exponential backoff and full jitter, Retry-After on 429, and a circuit breaker.
// A call is retried only when repeating it is safe: GET, PUT and DELETE, POSTs that
// carry an Idempotency-Key (all of ours do), and any call answered 429 (not executed).
import { randomUUID } from 'node:crypto';
import { ProviderError, type ProviderErrorKind } from '../errors.js';
import type { CircuitBreaker } from '../circuit-breaker.js';

export interface HttpOptions {
  baseUrl: string;
  token: string;
  breaker: CircuitBreaker;
  timeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** a Retry-After longer than this is not waited for: the call fails rate_limited */
  maxRetryAfterMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  idempotencyKey?: string;
}

const kindByStatus = (status: number): ProviderErrorKind => {
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 400 || status === 422) return 'invalid_input';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  return 'unavailable';
};

const idempotentMethods = new Set(['GET', 'PUT', 'DELETE', 'HEAD']);
const transientStatuses = new Set([429, 500, 502, 503, 504]);

export class OdooShHttp {
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: HttpOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async request<T>(method: string, path: string, request: RequestOptions = {}): Promise<T> {
    const url = new URL(`${this.options.baseUrl.replace(/\/$/, '')}${path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const idempotencyKey = method === 'POST' ? (request.idempotencyKey ?? randomUUID()) : undefined;
    const replayable = idempotentMethods.has(method) || idempotencyKey !== undefined;
    for (let attempt = 1; ; attempt += 1) {
      const { breaker } = this.options;
      if (!breaker.allow()) {
        throw new ProviderError(
          'unavailable',
          `Odoo.sh API at ${this.options.baseUrl} is failing; calls are paused (circuit open)`,
          { code: 'circuit_open' },
        );
      }
      let failure: ProviderError;
      try {
        const response = await fetch(url, {
          method,
          headers: {
            accept: 'application/json',
            authorization: `Bearer ${this.options.token}`,
            ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
          },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await response.text();
        if (response.ok) {
          breaker.recordSuccess();
          return (text ? JSON.parse(text) : null) as T;
        }
        failure = this.errorFrom(method, path, response.status, text, response.headers.get('retry-after'));
        // A definite answer from a healthy server (4xx, 429) says nothing against the server.
        if (response.status >= 500) breaker.recordFailure();
        else breaker.recordSuccess();
      } catch (error) {
        breaker.recordFailure();
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        failure = new ProviderError(
          'unavailable',
          timedOut
            ? `${method} ${path} timed out after ${this.timeoutMs} ms`
            : `${method} ${path} failed: ${(error as Error).message}`,
          { code: timedOut ? 'timeout' : 'network_error' },
        );
      }
      const status = failure.details.status;
      const retryable = status === 429 || (replayable && (status === undefined || transientStatuses.has(status)));
      if (!retryable || attempt >= this.maxAttempts) throw failure;
      const retryAfterMs = failure.details.retryAfterMs;
      if (retryAfterMs !== undefined && retryAfterMs > this.maxRetryAfterMs) throw failure;
      await this.sleep(retryAfterMs ?? this.backoff(attempt));
    }
  }

  /** Full jitter: a random wait up to base·2^(attempt-1), capped. */
  backoff(attempt: number): number {
    return Math.round(this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1)));
  }

  private errorFrom(
    method: string,
    path: string,
    status: number,
    text: string,
    retryAfter: string | null,
  ): ProviderError {
    let code: string | undefined;
    let message = `${method} ${path} answered ${status}`;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code = parsed.error?.code;
      if (parsed.error?.message) message = `${message}: ${parsed.error.message}`;
    } catch {
      // not JSON: keep the status line only
    }
    const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
    const dateMs = retryAfter === null ? Number.NaN : Date.parse(retryAfter) - Date.now();
    const retryAfterMs = Number.isFinite(seconds)
      ? seconds * 1000
      : Number.isFinite(dateMs)
        ? Math.max(0, dateMs)
        : undefined;
    return new ProviderError(kindByStatus(status), message, { status, code, retryAfterMs });
  }
}
