// Start-up failures an operator can fix, each said in one line that names the setting
// and the fix. Stack traces only with LOG_LEVEL=debug: they help us, not the operator.
import { ConfigError } from './config.js';
import { DataDirInUseError } from './db/data-dir-lock.js';
import { KeyRingError } from './services/crypto/key-ring.js';

/** A failure whose message already says what to change. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

export interface StartupSettings {
  PORT: number;
  HOST: string;
  ENCRYPTION_KEYS?: string;
  ENCRYPTION_KEY_FILE: string;
}

export function startupFailureMessage(error: unknown, settings: StartupSettings | null): string {
  if (error instanceof ConfigError)
    return error.problems.length === 1 ? `Invalid configuration: ${error.problems[0]}` : error.message;
  if (error instanceof StartupError || error instanceof DataDirInUseError) return error.message;
  if (error instanceof KeyRingError && settings) {
    const source = settings.ENCRYPTION_KEYS
      ? 'ENCRYPTION_KEYS'
      : `ENCRYPTION_KEY_FILE (${settings.ENCRYPTION_KEY_FILE})`;
    return `${source}: ${error.message}; generate a key with \`npm run cli -- generate-key --id <id>\`.`;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (settings && (error as { syscall?: string } | undefined)?.syscall === 'listen') {
    if (code === 'EADDRINUSE')
      return `PORT ${settings.PORT} on ${settings.HOST} is already in use: stop the process using it, or set PORT to a free port.`;
    if (code === 'EACCES')
      return `PORT ${settings.PORT} on ${settings.HOST} needs privileges this process lacks: set PORT above 1023.`;
    if (code === 'EADDRNOTAVAIL')
      return `HOST ${settings.HOST} is not an address of this machine: set HOST to one of its addresses, or 0.0.0.0.`;
  }
  return `Failed to start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)} (LOG_LEVEL=debug shows details)`;
}
