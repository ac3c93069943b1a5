// The typed failures every provider reports, whatever its protocol.
export type ProviderErrorKind =
  'not_found' | 'conflict' | 'invalid_input' | 'unauthorized' | 'rate_limited' | 'unavailable';

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly details: { status?: number; code?: string; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  /** Worth trying again later: the provider was busy or down, not wrong about the request. */
  get transient(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable';
  }
}
