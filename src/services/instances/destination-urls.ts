// The URLs secrets are sent to: git repositories and self-hosted Odoo servers. Passwords
// never travel inside them (they would be stored in plain text and shown to every
// viewer); they are set with setInstanceCredentials, encrypted and bound to the URL.
import { z } from 'zod';

export interface RepositoryPolicy {
  /** http:// and local repositories (paths, file://): development and tests only */
  allowInsecureRepositories: boolean;
}

const USER_INFO_MESSAGE =
  'must not contain a user name or password: store the credential with setInstanceCredentials (gitCredential, odooPassword)';

function parsed(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

export function repositoryUrlSchema(policy: RepositoryPolicy) {
  return z.string().superRefine((value, context) => {
    const fail = (message: string) => context.addIssue({ code: 'custom', message });
    if (/\s/.test(value)) return fail('must not contain spaces');
    const url = parsed(value);
    if (url && (url.username || url.password)) return fail(USER_INFO_MESSAGE);
    if (url?.protocol === 'https:' && url.hostname) return;
    const insecure = url ? url.protocol === 'http:' || url.protocol === 'file:' : value.startsWith('/');
    if (insecure && policy.allowInsecureRepositories) return;
    fail(
      insecure
        ? 'must be an https:// URL (http:// and local repositories are allowed only with GIT_ALLOW_INSECURE_REPOSITORIES=true, outside production)'
        : 'must be an https:// URL of a git repository',
    );
  });
}

export const serverUrlSchema = z.string().superRefine((value, context) => {
  const url = parsed(value);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    context.addIssue({ code: 'custom', message: 'must be the http(s) URL of the Odoo server' });
  } else if (url.username || url.password) {
    context.addIssue({ code: 'custom', message: USER_INFO_MESSAGE });
  }
});
