/**
 * The ACL registry without sockets: all-or-nothing ACL SETUSER, the default user and requirepass, config `user`
 * lines and the ACL file (loading, errors, saving), the ACL log's grouping and length, CONFIG REWRITE's user lines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config';
import { applyConfigText } from '../../src/config/load';
import { renderRewrite } from '../../src/config/rewrite';
import { DENIED_AUTH, DENIED_CMD, DENIED_KEY, hashPassword } from '../../src/server/acl';
import { describeUser } from '../../src/server/acl-describe';
import { Acl, type AclHost } from '../../src/server/acl-registry';
import type { Client } from '../../src/server/client';

const host: AclHost = { clients: new Map(), currentClient: null, clientInfoLine: () => 'id=1 cmd=x' };
const fakeClient = {} as Client;

function registry(configText = ''): { acl: Acl; config: Config } {
  const config = new Config();
  if (configText) applyConfigText(config, configText);
  return { acl: new Acl(config, host), config };
}

function list(acl: Acl): string[] {
  return acl.sortedUsers().map((u) => `user ${u.name} ${describeUser(u)}`);
}

function tmpFile(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-acl-'));
  const f = path.join(dir, 'users.acl');
  fs.writeFileSync(f, content);
  return f;
}

describe('ACL registry', () => {
  it('starts with the default user allowed everything, without password', () => {
    const { acl } = registry();
    expect(list(acl)).toEqual(['user default on nopass ~* &* +@all']);
    expect(acl.authRequired()).toBe(false);
    expect(acl.defaultUser.unrestricted).toBe(true);
  });

  it('requirepass is the default password, live', () => {
    const { acl, config } = registry('requirepass foo\n');
    expect(list(acl)).toEqual([`user default on #${hashPassword('foo')} ~* &* +@all`]);
    expect(acl.authRequired()).toBe(true);
    config.set('requirepass', [''], false);
    expect(list(acl)).toEqual(['user default on nopass ~* &* +@all']);
    expect(acl.authRequired()).toBe(false);
    acl.setUser('default', ['off']);
    expect(acl.authRequired()).toBe(true);
  });

  it('SETUSER applies all words or none, names rules in its errors', () => {
    const { acl } = registry();
    expect(acl.setUser('bob', ['on', '>pw', '~k*', '+get'])).toBeNull();
    const before = list(acl);
    expect(acl.setUser('bob', ['off', '+set', '+nosuch'])).toBe(
      "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL",
    );
    expect(list(acl)).toEqual(before);
    expect(acl.setUser('eve', ['on', '~*', '~a'])).toMatch(/^Error in ACL SETUSER modifier '~a': Adding a pattern/);
    expect(acl.users.has('eve')).toBe(false);
    expect(acl.setUser('eve', ['on', '(~a', '+get'])).toBe("Unmatched parenthesis in acl selector starting at '(~a'.");
  });

  it('a changed user keeps its identity (connections point to it)', () => {
    const { acl } = registry();
    acl.setUser('bob', ['on']);
    const bob = acl.users.get('bob');
    acl.setUser('bob', ['+@all', '~*', '&*']);
    expect(acl.users.get('bob')).toBe(bob);
    expect(bob?.unrestricted).toBe(true);
  });

  it('DELUSER removes users but never the default one', () => {
    const { acl } = registry();
    acl.setUser('bob', []);
    expect(acl.deleteUser('bob')).toBe(true);
    expect(acl.deleteUser('bob')).toBe(false);
    expect(acl.deleteUser('default')).toBe(false);
  });

  it('the log groups repeats of the same denial and keeps acllog-max-len entries, newest first', () => {
    const { acl, config } = registry();
    acl.addLog(fakeClient, DENIED_CMD, 'toplevel', 'get', 'bob');
    acl.addLog(fakeClient, DENIED_KEY, 'toplevel', 'k', 'bob');
    acl.addLog(fakeClient, DENIED_CMD, 'toplevel', 'get', 'bob');
    expect(acl.log.map((e) => [e.object, e.count])).toEqual([
      ['get', 2],
      ['k', 1],
    ]);
    acl.addLog(fakeClient, DENIED_CMD, 'multi', 'get', 'bob');
    acl.addLog(fakeClient, DENIED_AUTH, 'toplevel', 'AUTH', 'eve');
    expect(acl.log.map((e) => [e.reason, e.context, e.object, e.username])).toEqual([
      [DENIED_AUTH, 'toplevel', 'AUTH', 'eve'],
      [DENIED_CMD, 'multi', 'get', 'bob'],
      [DENIED_CMD, 'toplevel', 'get', 'bob'],
      [DENIED_KEY, 'toplevel', 'k', 'bob'],
    ]);
    config.set('acllog-max-len', ['2'], false);
    acl.addLog(fakeClient, DENIED_KEY, 'toplevel', 'other', 'bob');
    expect(acl.log).toHaveLength(2);
    expect(acl.log[0].cinfo).toBe('id=1 cmd=x');
  });

  it('config `user` lines: the default user is reset first, users created, rules applied', () => {
    const { acl } = registry(
      'requirepass foo\nuser default on nopass ~* &* +@all\nuser bob on >pw ~k* +get (~x +set)\n',
    );
    expect(acl.loadAtStartup()).toBeNull();
    expect(list(acl)).toEqual([
      `user bob on #${hashPassword('pw')} ~k* resetchannels -@all +get (~x resetchannels -@all +set)`,
      'user default on nopass sanitize-payload ~* &* +@all',
    ]);
  });

  it('start-up refuses users in both the config and an ACL file, and unknown commands in user lines', () => {
    expect(registry('aclfile /nonexistent\nuser bob on\n').acl.loadAtStartup()?.[0]).toMatch(
      /^Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid/,
    );
    expect(registry('user bob on +nosuch\n').acl.loadAtStartup()).toEqual([
      "Error loading ACL rule '+nosuch' for the user named 'bob': Unknown command or category name in ACL",
      'Critical error while loading ACLs. Exiting.',
    ]);
    expect(registry('aclfile /nonexistent/users.acl\n').acl.loadAtStartup()).toEqual([
      "Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '/nonexistent/users.acl': No such file or directory",
    ]);
  });

  it('an ACL file replaces every user; a file without a default user gets a fresh one', () => {
    const f = tmpFile('user bob on >pw ~k* +get\n\n  \t \n');
    const { acl } = registry(`aclfile ${f}\nrequirepass foo\n`);
    const def = acl.defaultUser;
    acl.setUser('old', ['on']);
    expect(acl.loadAtStartup()).toBeNull();
    expect(list(acl)).toEqual([
      `user bob on #${hashPassword('pw')} ~k* resetchannels -@all +get`,
      'user default on nopass ~* &* +@all',
    ]);
    expect(acl.defaultUser).toBe(def);
  });

  it('ACL file errors are all reported and change nothing', () => {
    const f = tmpFile(
      'user bob on\nuser bob off\nfoo\nuser x +nosuch -@nosuch\nuser y #zz >a #zz\nuser a\tb on\nuser z (~a\nuser  w on\n',
    );
    const { acl } = registry(`aclfile ${f}\n`);
    acl.setUser('keep', []);
    expect(acl.loadFile(f)).toBe(
      `WARNING: Duplicate user 'bob' found on line 2. ${f}:3 should start with user keyword followed by the username. ` +
        `${f}:4: Error in applying operation '+nosuch': Unknown command or category name in ACL. ` +
        `${f}:4: Error in applying operation '-@nosuch': Unknown command or category name in ACL. ` +
        `${f}:5: The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters. ` +
        `'${f}:6: username 'a\tb' contains invalid characters. ${f}:7: Unmatched parenthesis in selector definition.` +
        `${f}:8: Syntax error. WARNING: ACL errors detected, no change to the previously active ACL rules was performed`,
    );
    expect(acl.users.has('keep')).toBe(true);
  });

  it('ACL SAVE writes the users in ACL LIST form, which loads back to the same users', () => {
    const f = tmpFile('');
    const { acl } = registry(`aclfile ${f}\n`);
    acl.setUser('bob', ['on', '>pw', '%R~r*', '&ch', '-@all', '+@hash', '-hdel', '(+get ~x)']);
    const before = list(acl);
    expect(acl.saveFile(f)).toBe(true);
    expect(fs.readFileSync(f, 'latin1')).toBe(`${before.join('\n')}\n`);
    acl.setUser('bob', ['off']);
    expect(acl.loadFile(f)).toBeNull();
    expect(list(acl)).toEqual(before);
    expect(acl.saveFile('/nonexistent/dir/users.acl')).toBe(false);
  });

  it('CONFIG REWRITE writes the live users, or none with an ACL file', () => {
    const { acl, config } = registry();
    acl.setUser('bob', ['on', '~k', '+get']);
    expect(renderRewrite(config, '')).toContain(
      'user bob on ~k resetchannels -@all +get\nuser default on nopass ~* &* +@all\n',
    );
    const withFile = registry(`aclfile ${tmpFile('')}\n`);
    expect(renderRewrite(withFile.config, '')).not.toContain('user ');
  });
});
