import { describe, expect, it } from 'vitest';
import { allowlisted, describeInvocation, riskyEnvironment, simpleCommands } from '../../src/tools/exec-policy.js';
import { commandEnvironment } from '../../src/workspace/command-environment.js';

describe('exec policy', () => {
  it('reads a command line as simple commands, and refuses to read what it cannot read for sure', () => {
    expect(simpleCommands('git status')).toEqual([['git', 'status']]);
    expect(simpleCommands("git commit -m 'a b' && git log | head -5")).toEqual([
      ['git', 'commit', '-m', 'a b'],
      ['git', 'log'],
      ['head', '-5'],
    ]);
    for (const unreadable of [
      'echo $(id)',
      'echo `id`',
      'echo "$(id)"',
      'echo $HOME',
      'echo ${x}',
      'ls > out',
      'cat < /etc/passwd',
      'ls *',
      'ls &',
      'git status\nid',
      'git status\rid',
      'echo a#b',
      'cat <(id)',
      'echo $((1+2))',
      '(id)',
      'git status;',
    ]) {
      expect(simpleCommands(unreadable), unreadable).toBeNull();
    }
  });

  it('allowlists a line only when every command in it matches a pattern whole', () => {
    const patterns = ['git status', 'git log( --oneline)?', 'ls( -la)?'];
    expect(allowlisted('git status', patterns)).toBe(true);
    expect(allowlisted('git status && ls -la', patterns)).toBe(true);
    expect(allowlisted("git 'status'", patterns)).toBe(true);
    for (const refused of [
      'git status; id',
      'git status && rm -rf ~',
      'git status | sh',
      'git status $(id)',
      'git status `id`',
      'git status > .git/hooks/x',
      'FOO=1 git status',
      'git\\ status',
      'git status\nid',
      'ls /; id',
    ]) {
      expect(allowlisted(refused, patterns), refused).toBe(false);
    }
    // A careless pattern still cannot admit a substitution or a second program.
    expect(allowlisted('git status; id', ['git .*'])).toBe(false);
    expect(allowlisted('git $(id)', ['git .*'])).toBe(false);
    expect(allowlisted('anything', [])).toBe(false);
  });

  it('names the variables that change what programs load or run', () => {
    expect(
      riskyEnvironment({
        LD_PRELOAD: 'x',
        GIT_CONFIG_COUNT: '1',
        NODE_OPTIONS: '--require x',
        PYTHONPATH: '.',
        BASH_ENV: 'x',
        PATH: '/tmp',
        HOME: '/tmp',
        FOO: 'bar',
        LANG: 'C',
      }),
    ).toEqual(['LD_PRELOAD', 'GIT_CONFIG_COUNT', 'NODE_OPTIONS', 'PYTHONPATH', 'BASH_ENV', 'PATH', 'HOME']);
    expect(riskyEnvironment(undefined)).toEqual([]);
  });

  it("gives a command only an allowlisted environment: none of the host's tokens", () => {
    const host = {
      PATH: '/usr/bin',
      HOME: '/home/u',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      GITHUB_TOKEN: 'ghp_secret',
      OPENAI_API_KEY: 'sk-secret',
      CLAWFLOW_MODEL_API_KEY: 'sk-clawflow',
      TEMPORAL_ADDRESS: 'x',
    };
    expect(commandEnvironment(host, [])).toEqual({ PATH: '/usr/bin', HOME: '/home/u', LANG: 'C.UTF-8', LC_ALL: 'C' });
    expect(commandEnvironment(host, ['GITHUB_TOKEN'], { EXTRA: '1' })).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/u',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      GITHUB_TOKEN: 'ghp_secret',
      EXTRA: '1',
    });
  });

  it('shows the whole invocation when it asks: where, with what, and a warning for variables that run code', () => {
    expect(describeInvocation({ command: 'git status' })).toBe('git status');
    expect(describeInvocation({ command: 'make', workdir: 'my project', env: { CC: 'clang' } })).toBe("cd 'my project' && env CC=clang make");
    expect(describeInvocation({ command: 'ls', env: { LD_PRELOAD: '/tmp/evil.so' } })).toBe(
      'env LD_PRELOAD=/tmp/evil.so ls\n(warning: LD_PRELOAD can make programs load or run other code)',
    );
  });
});
