// AES-256-GCM envelopes for secrets at rest. Each envelope names the key that sealed it,
// so old keys keep decrypting while new writes use the newest; the authenticated data
// binds an envelope to its table, column, row and destination (the repository, server or
// API the secret is sent to), so a value copied elsewhere, or a row whose destination was
// changed afterwards, fails to open: no caller has to remember to check.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v2';
/** Envelopes sealed before destinations were bound; opened only to re-seal them (`reseal`). */
const LEGACY_VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Where a secret lives; part of the authenticated data of its envelope. */
export interface SecretSlot {
  table: string;
  column: string;
  rowId: string;
  /**
   * Normalized destination the secret is sent to (see secret-destinations.ts); '' for a
   * secret that never leaves the server (a signing key).
   */
  destination: string;
}

export class DecryptionError extends Error {
  constructor(
    reason: string,
    /** `mismatch`: the key, row, column or destination differs from the sealing ones */
    readonly kind: 'format' | 'missing_key' | 'legacy' | 'mismatch' = 'format',
  ) {
    // Never includes the envelope or the plaintext.
    super(`Secret could not be decrypted: ${reason}`);
    this.name = 'DecryptionError';
  }
}

export class KeyRingError extends Error {}

export interface KeyRing {
  /** id of the key new envelopes are sealed with */
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  encrypt(plaintext: string, slot: SecretSlot): string;
  decrypt(envelope: string, slot: SecretSlot): string;
  /**
   * The envelope sealed again with the current key for `slot`. Opens envelopes of either
   * version; a legacy one (sealed before destinations were bound) is bound to
   * `slot.destination` here, once, by the re-binding at start or by rotation.
   */
  reseal(envelope: string, slot: SecretSlot): string;
  /** id of the key that sealed an envelope (readable without decrypting) */
  keyIdOf(envelope: string): string;
  /** a key for another purpose (signing URLs), derived from the current key with HKDF */
  deriveKey(purpose: string): Buffer;
}

function associatedData(version: string, slot: SecretSlot): Buffer {
  const parts = [
    version,
    slot.table,
    slot.column,
    slot.rowId,
    ...(version === LEGACY_VERSION ? [] : [slot.destination]),
  ];
  return Buffer.from(parts.join('\u0000'), 'utf8');
}

/**
 * `spec` is `id:base64key[,id:base64key...]`; the FIRST key is current, the others only
 * decrypt. Rotation: put a new key first, restart, run rotateEncryptionKey, then drop
 * the old key once no envelope names it.
 */
export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, Buffer>();
  for (const part of spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const separator = part.indexOf(':');
    const id = part.slice(0, separator);
    const key = Buffer.from(part.slice(separator + 1), 'base64');
    if (separator <= 0 || !/^[A-Za-z0-9-]{1,32}$/.test(id)) {
      throw new KeyRingError('each key must be written id:base64, with an id of letters, digits or -');
    }
    if (key.length !== KEY_BYTES)
      throw new KeyRingError(`key "${id}" must be ${KEY_BYTES} bytes (base64 of 32 random bytes)`);
    if (keys.has(id)) throw new KeyRingError(`key id "${id}" appears twice`);
    keys.set(id, key);
  }
  const [currentKeyId] = keys.keys();
  if (!currentKeyId) throw new KeyRingError('no key given');
  return createKeyRing(keys, currentKeyId);
}

export function generateKeySpec(id: string): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

function createKeyRing(keys: ReadonlyMap<string, Buffer>, currentKeyId: string): KeyRing {
  const keyIdOf = (envelope: string): string => {
    const parts = envelope.split('.');
    if (parts.length !== 5 || (parts[0] !== VERSION && parts[0] !== LEGACY_VERSION))
      throw new DecryptionError('not an envelope of this server');
    return parts[1]!;
  };
  const open = (envelope: string, slot: SecretSlot, allowLegacy: boolean): string => {
    const keyId = keyIdOf(envelope);
    const [version, , iv, tag, sealed] = envelope.split('.') as [string, string, string, string, string];
    if (version === LEGACY_VERSION && !allowLegacy) {
      throw new DecryptionError(
        'it was sealed before secrets were bound to their destination; restart the server or run rotate-keys to re-bind it',
        'legacy',
      );
    }
    const key = keys.get(keyId);
    if (!key) throw new DecryptionError(`key "${keyId}" is not in ENCRYPTION_KEYS`, 'missing_key');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(version, slot));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError(
        'authentication failed (wrong key, the value belongs to another row or column, or its destination changed)',
        'mismatch',
      );
    }
  };
  const encrypt = (plaintext: string, slot: SecretSlot): string => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', keys.get(currentKeyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(VERSION, slot));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      currentKeyId,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      sealed.toString('base64url'),
    ].join('.');
  };
  return {
    currentKeyId,
    keyIds: [...keys.keys()],
    keyIdOf,
    deriveKey: (purpose) =>
      Buffer.from(hkdfSync('sha256', keys.get(currentKeyId)!, Buffer.alloc(0), `odoo-fleet:${purpose}`, 32)),
    encrypt,
    decrypt: (envelope, slot) => open(envelope, slot, false),
    reseal: (envelope, slot) => encrypt(open(envelope, slot, true), slot),
  };
}

/** The LIKE pattern of envelopes that are current: this version, sealed with `keyId`. */
export function currentEnvelopePattern(keyId: string): string {
  return `${VERSION}.${keyId}.%`;
}

/** The LIKE pattern of envelopes sealed before destinations were bound. */
export const LEGACY_ENVELOPE_PATTERN = `${LEGACY_VERSION}.%`;
