// Commits a template's addons to an instance's repository and branch, and pushes.
//
// Each publish works in a fresh temporary clone, so a crash mid-way leaves nothing that
// the next attempt must clean up. Every commit carries a `Fleet-Deployment: <id>`
// trailer: before committing, the branch is searched for it, so a step repeated after a
// crash that followed a successful push finds its commit instead of pushing twice.
// Credentials travel in an HTTP header set through git's environment, never in the URL
// or the command line, and every message that leaves this module is scrubbed of them.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { RepositoryError, type RepositoryErrorKind } from '../errors.js';

export interface GitTarget {
  repositoryUrl: string;
  branch: string;
  /** a token, or "user:token", sent as HTTP basic credentials */
  credential?: string | null;
}

export interface PublishRequest extends GitTarget {
  deploymentId: string;
  /** addon folders the template owns: replaced wholesale by `files` */
  addons: string[];
  files: ReadonlyArray<{ path: string; content: string }>;
  message: string;
  author: { name: string; email: string };
}

export interface RestoreRequest extends GitTarget {
  deploymentId: string;
  /** the commit whose files the branch gets back */
  toCommit: string;
  message: string;
  author: { name: string; email: string };
}

export interface GitPublisher {
  /** fails with RepositoryError when the repository cannot be read with these credentials */
  probe(target: GitTarget): Promise<void>;
  publish(request: PublishRequest): Promise<{ commit: string; pushedNow: boolean }>;
  /**
   * Commits on top of the branch a tree equal to `toCommit`'s (undoing every change since,
   * a rollback that stays on the branch), carrying the deployment trailer, so doing it
   * again after a crash finds it instead of committing twice.
   */
  restore(request: RestoreRequest): Promise<{ commit: string; pushedNow: boolean }>;
}

export const DEPLOYMENT_TRAILER = 'Fleet-Deployment';

/** Removes credentials from text: the credential itself and any user:password in URLs. */
export function redact(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let clean = text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@');
  for (const secret of secrets) {
    if (!secret) continue;
    clean = clean.split(secret).join('***');
    const basic = Buffer.from(secret.includes(':') ? secret : `x-access-token:${secret}`).toString('base64');
    clean = clean.split(basic).join('***');
  }
  return clean;
}

const PUSH_ATTEMPTS = 5;

export interface GitPublisherOptions {
  timeoutMs?: number;
  /** where temporary clones are made (default: the system's temporary folder) */
  workRoot?: string;
  /** called before each push attempt (tests use it to move the branch meanwhile) */
  beforePush?: (attempt: number) => Promise<void>;
}

export function createGitPublisher(options: GitPublisherOptions = {}): GitPublisher {
  const timeoutMs = options.timeoutMs ?? 60_000;

  /** git run in `directory`, with `home` (a throwaway folder) as its HOME. */
  function gitIn(directory: string, target: GitTarget, home = directory): SimpleGit {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      LANG: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
    };
    if (target.credential) {
      const basic = Buffer.from(
        target.credential.includes(':') ? target.credential : `x-access-token:${target.credential}`,
      ).toString('base64');
      Object.assign(env, {
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'http.extraHeader',
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      });
    }
    // The config variables above are ours, not a caller's: allowing them is safe.
    return simpleGit({
      baseDir: directory,
      timeout: { block: timeoutMs },
      unsafe: { allowUnsafeConfigEnvCount: true, allowUnsafeConfigPaths: true },
    }).env(env);
  }

  const failure = (target: GitTarget, error: unknown, kind?: RepositoryErrorKind): RepositoryError => {
    if (error instanceof RepositoryError) return error;
    const detail = redact(error instanceof Error ? error.message : String(error), [target.credential])
      .trim()
      .split('\n')
      .filter(Boolean)
      .slice(-3)
      .join(' ');
    const where = redact(target.repositoryUrl, [target.credential]);
    if (kind) return new RepositoryError(kind, `${where}: ${detail}`);
    return new RepositoryError('unreachable', `Could not reach the repository ${where}: ${detail}`);
  };

  async function withClone<T>(target: GitTarget, work: (git: SimpleGit, directory: string) => Promise<T>): Promise<T> {
    const root = resolve(options.workRoot ?? tmpdir());
    await mkdir(root, { recursive: true });
    const directory = await mkdtemp(join(root, 'fleet-git-'));
    try {
      const git = gitIn(directory, target);
      try {
        await git.clone(target.repositoryUrl, join(directory, 'repo'), ['--no-tags', '--quiet']);
      } catch (error) {
        throw failure(target, error);
      }
      const repository = join(directory, 'repo');
      return await work(gitIn(repository, target, directory), repository);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  async function remoteHead(git: SimpleGit, branch: string): Promise<string | null> {
    const listing = await git.raw(['ls-remote', '--heads', 'origin', `refs/heads/${branch}`]);
    return listing.trim().split(/\s+/)[0] || null;
  }

  async function findPublished(git: SimpleGit, branch: string, deploymentId: string): Promise<string | null> {
    const found = await git.raw([
      'log',
      `origin/${branch}`,
      '-n',
      '1',
      '--format=%H',
      '--fixed-strings',
      `--grep=${DEPLOYMENT_TRAILER}: ${deploymentId}`,
    ]);
    return found.trim() || null;
  }

  return {
    async probe(target) {
      const root = resolve(options.workRoot ?? tmpdir());
      await mkdir(root, { recursive: true });
      const directory = await mkdtemp(join(root, 'fleet-probe-'));
      try {
        await gitIn(directory, target).listRemote([target.repositoryUrl]);
      } catch (error) {
        throw failure(target, error);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },

    publish(request) {
      return withClone(request, async (git, repository) => {
        const branchExists = (await remoteHead(git, request.branch)) !== null;
        if (branchExists) {
          await git.fetch('origin', request.branch);
          const already = await findPublished(git, request.branch, request.deploymentId);
          if (already) return { commit: already, pushedNow: false };
          await git.raw(['checkout', '-q', '-B', 'fleet-deploy', `origin/${request.branch}`]);
        } else {
          await git.raw(['checkout', '-q', '--orphan', 'fleet-deploy']);
          await git.raw(['rm', '-r', '-q', '--cached', '--ignore-unmatch', '.']);
        }

        for (const addon of request.addons) await rm(join(repository, addon), { recursive: true, force: true });
        for (const file of request.files) {
          const path = join(repository, file.path);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, file.content);
        }
        if (request.addons.length > 0) await git.raw(['add', '-A', '--', ...request.addons]);
        return commitAndPush(git, request);
      }).catch((error: unknown) => {
        throw failure(request, error);
      });
    },

    restore(request) {
      return withClone(request, async (git) => {
        await git.fetch('origin', request.branch);
        const already = await findPublished(git, request.branch, request.deploymentId);
        if (already) return { commit: already, pushedNow: false };
        await git.raw(['checkout', '-q', '-B', 'fleet-deploy', `origin/${request.branch}`]);
        // Index and files exactly as in the good commit: files added since are removed too.
        await git.raw(['read-tree', '-u', '--reset', request.toCommit]);
        return commitAndPush(git, request);
      }).catch((error: unknown) => {
        throw failure(request, error);
      });
    },
  };

  /** Commits what is staged with the deployment trailer and pushes it, rebasing when the branch moved. */
  async function commitAndPush(
    git: SimpleGit,
    request: GitTarget & { deploymentId: string; message: string; author: { name: string; email: string } },
  ) {
    const author = `${request.author.name} <${request.author.email}>`;
    await git
      .env('GIT_AUTHOR_NAME', request.author.name)
      .env('GIT_AUTHOR_EMAIL', request.author.email)
      .env('GIT_COMMITTER_NAME', request.author.name)
      .env('GIT_COMMITTER_EMAIL', request.author.email)
      .raw([
        'commit',
        '-q',
        '--allow-empty',
        `--author=${author}`,
        '-m',
        request.message,
        '-m',
        `${DEPLOYMENT_TRAILER}: ${request.deploymentId}`,
      ]);

    // Someone else may push to the branch meanwhile: fetch, rebase our commit, retry.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await options.beforePush?.(attempt);
        await git.raw(['push', '-q', 'origin', `HEAD:refs/heads/${request.branch}`]);
        break;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const movedOn = /\[rejected\]|non-fast-forward|fetch first|failed to update ref|cannot lock ref/i.test(message);
        if (!movedOn) throw failure(request, error, 'rejected');
        if (attempt >= PUSH_ATTEMPTS) throw failure(request, error, 'rejected');
        await git.fetch('origin', request.branch);
        try {
          await git.raw(['rebase', '-q', `origin/${request.branch}`]);
        } catch (rebaseError) {
          await git.raw(['rebase', '--abort']).catch(() => undefined);
          throw failure(request, rebaseError, 'conflict');
        }
      }
    }
    return { commit: (await git.revparse(['HEAD'])).trim(), pushedNow: true };
  }
}
