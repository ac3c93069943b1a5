// Normalized destinations of secrets: two spellings of the same repository or server give
// the same string, and any other host, port, scheme or path gives another one.
import { posix } from 'node:path';
import type { DestinationSource } from './secret-columns.js';

/** What a destination is computed from: the row's own columns and the provider base URL. */
export interface DestinationInputs {
  gitRepositoryUrl?: string | null;
  serverUrl?: string | null;
  providerBaseUrl?: string | null;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'ssh:': '22' };

/** scheme://host[:port]/path, lower-cased where case does not matter, without trailing / or .git. */
function normalizedUrl(raw: string, stripGitSuffix: boolean): string {
  const trimmed = raw.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    // A local path (development only): the normalized absolute path.
    const path = posix.normalize(trimmed).replace(/\/+$/, '');
    return stripGitSuffix ? path.replace(/\.git$/, '') : path;
  }
  if (url.protocol === 'file:') return normalizedUrl(decodeURIComponent(url.pathname), stripGitSuffix);
  const port = url.port && url.port !== DEFAULT_PORTS[url.protocol] ? `:${url.port}` : '';
  let path = url.pathname.replace(/\/+$/, '');
  if (stripGitSuffix) path = path.replace(/\.git$/, '');
  return `${url.protocol}//${url.hostname.toLowerCase()}${port}${path}`;
}

export function secretDestination(source: DestinationSource | null, inputs: DestinationInputs): string {
  if (source === null) return '';
  const value = inputs[source];
  const normalized = value ? normalizedUrl(value, source === 'gitRepositoryUrl') : '';
  return `${source}:${normalized}`;
}

/** Whether two spellings name the same destination. */
export function sameDestination(
  source: DestinationSource,
  before: DestinationInputs,
  after: DestinationInputs,
): boolean {
  return secretDestination(source, before) === secretDestination(source, after);
}
