// Where the key ring comes from: ENCRYPTION_KEYS, or outside production a key file that
// is created on first start, so `npm start` works on a fresh machine and secrets stored
// in development survive restarts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeySpec, parseKeyRing, type KeyRing } from './key-ring.js';

export interface KeyRingSource {
  ENCRYPTION_KEYS?: string;
  ENCRYPTION_KEY_FILE: string;
  NODE_ENV: 'development' | 'production' | 'test';
}

export function loadKeyRing(source: KeyRingSource, log: (message: string) => void = () => {}): KeyRing {
  if (source.ENCRYPTION_KEYS) return parseKeyRing(source.ENCRYPTION_KEYS);
  if (source.NODE_ENV === 'production') {
    throw new Error('ENCRYPTION_KEYS must be set in production (id:base64 of 32 random bytes)');
  }
  if (!existsSync(source.ENCRYPTION_KEY_FILE)) {
    mkdirSync(dirname(source.ENCRYPTION_KEY_FILE), { recursive: true });
    writeFileSync(source.ENCRYPTION_KEY_FILE, `${generateKeySpec('dev1')}\n`, { mode: 0o600 });
    log(`created a development encryption key in ${source.ENCRYPTION_KEY_FILE}`);
  }
  return parseKeyRing(readFileSync(source.ENCRYPTION_KEY_FILE, 'utf8').trim());
}
