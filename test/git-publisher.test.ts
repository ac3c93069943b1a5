// The git publisher against real repositories on disk: a branch that moves between our
// clone and our push is fetched, our commit rebased and pushed again; a change to the
// same file is a conflict; credentials travel as an HTTP header, never in the URL.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitPublisher, redact } from '../src/services/deployments/git-publisher.js';
import { RepositoryError } from '../src/services/errors.js';

let folder: string;
const sh = (args: string[], cwd?: string) =>
  execFileSync('git', args, { cwd, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } })
    .toString()
    .trim();
const author = { name: 'Fleet', email: 'fleet@test.invalid' };

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'fleet-git-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function repository(name: string) {
  const bare = join(folder, `${name}.git`);
  sh(['init', '-q', '--bare', '--initial-branch=main', bare]);
  const work = join(folder, `${name}-colleague`);
  sh(['clone', '-q', bare, work]);
  /** A colleague commits a file and pushes to main. */
  const colleaguePushes = async (path: string, content: string) => {
    sh(['fetch', '-q', 'origin'], work);
    if (sh(['branch', '-r'], work).includes('origin/main')) sh(['reset', '-q', '--hard', 'origin/main'], work);
    execFileSync('sh', ['-c', `mkdir -p "$(dirname '${path}')" && printf '%s' '${content}' > '${path}'`], {
      cwd: work,
    });
    sh(['add', '-A'], work);
    sh(
      [
        '-c',
        'user.name=Colleague',
        '-c',
        'user.email=c@example.com',
        'commit',
        '-q',
        '-m',
        `Colleague changes ${path}`,
      ],
      work,
    );
    sh(['push', '-q', 'origin', 'HEAD:main'], work);
  };
  await colleaguePushes('README.md', 'hello');
  return { bare, colleaguePushes };
}

const files = (content: string) => [{ path: 'fleet_addon/__manifest__.py', content }];

describe('the git publisher', () => {
  it('rebases and retries when the branch moved before its push', async () => {
    const { bare, colleaguePushes } = await repository('moving');
    const publisher = createGitPublisher({
      beforePush: async (attempt) => {
        if (attempt === 1) await colleaguePushes('docs/notes.md', 'meanwhile');
      },
    });
    const published = await publisher.publish({
      repositoryUrl: bare,
      branch: 'main',
      deploymentId: 'dep-1',
      addons: ['fleet_addon'],
      files: files("{'name': 'A'}"),
      message: 'Deploy A',
      author,
    });
    expect(published.pushedNow).toBe(true);
    expect(sh(['--git-dir', bare, 'log', '--format=%s', 'main']).split('\n')).toEqual([
      'Deploy A',
      'Colleague changes docs/notes.md',
      'Colleague changes README.md',
    ]);
    expect(sh(['--git-dir', bare, 'rev-parse', 'main'])).toBe(published.commit);
  });

  it('reports a conflict when the branch changed the same file, and pushes nothing', async () => {
    const { bare, colleaguePushes } = await repository('conflicting');
    const publisher = createGitPublisher({
      beforePush: async (attempt) => {
        if (attempt === 1) await colleaguePushes('fleet_addon/__manifest__.py', "{'name': 'theirs'}");
      },
    });
    const before = sh(['--git-dir', bare, 'rev-list', '--count', 'main']);
    const error = await publisher
      .publish({
        repositoryUrl: bare,
        branch: 'main',
        deploymentId: 'dep-2',
        addons: ['fleet_addon'],
        files: files("{'name': 'ours'}"),
        message: 'Deploy ours',
        author,
      })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RepositoryError);
    expect(error).toMatchObject({ kind: 'conflict' });
    expect(sh(['--git-dir', bare, 'rev-list', '--count', 'main'])).toBe(String(Number(before) + 1)); // only the colleague's commit
  });

  it('sends the credential as an HTTP header, and no message repeats it', async () => {
    const seen: Array<{ url: string; authorization: string | undefined }> = [];
    const server: Server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(404).end('no such repository');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/acme/odoo.git`;
    try {
      const error = await createGitPublisher()
        .probe({ repositoryUrl: url, branch: 'main', credential: 'ghp_secret_token' })
        .catch((thrown: unknown) => thrown);
      expect(error).toMatchObject({ kind: 'unreachable' });
      expect(seen[0]).toMatchObject({
        url: expect.stringMatching(/^\/acme\/odoo\.git\/info\/refs/),
        authorization: `Basic ${Buffer.from('x-access-token:ghp_secret_token').toString('base64')}`,
      });
      expect((error as Error).message).not.toMatch(/ghp_secret_token|eC1hY2Nlc3MtdG9rZW46/);
    } finally {
      server.close();
    }
    expect(redact('fatal: https://bob:hunter2@git.example.com/x.git and hunter2 again', ['hunter2'])).toBe(
      'fatal: https://***@git.example.com/x.git and *** again',
    );
  });
});
