// Temporary download URLs of stored backup files: the URL carries its expiry and an
// HMAC over the backup id and that expiry, so it needs no session and cannot be
// stretched or pointed at another file.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UrlSigner {
  sign(backupId: string, expiresAt: Date): string;
  /** null when valid; else why not */
  check(backupId: string, expires: string | null, signature: string | null, now?: Date): string | null;
}

export function createUrlSigner(key: Buffer): UrlSigner {
  const mac = (backupId: string, expires: string) =>
    createHmac('sha256', key).update(`${backupId}\n${expires}`).digest('hex');
  return {
    sign(backupId, expiresAt) {
      const expires = String(Math.floor(expiresAt.getTime() / 1000));
      return `expires=${expires}&signature=${mac(backupId, expires)}`;
    },
    check(backupId, expires, signature, now = new Date()) {
      if (!expires || !signature || !/^\d+$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature)) return 'malformed';
      if (!timingSafeEqual(Buffer.from(mac(backupId, expires), 'hex'), Buffer.from(signature, 'hex')))
        return 'bad signature';
      if (Number(expires) * 1000 < now.getTime()) return 'expired';
      return null;
    },
  };
}
