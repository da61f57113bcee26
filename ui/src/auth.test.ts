import { describe, expect, it } from 'vitest';
import type { ApiResult } from './api';
import {
  authHeaders, parseIdentity, permissionHint, resolveSession, roleAtLeast, sessionAfterRefusedSocket, sessionToken,
  socketProtocols, TOKEN_NEEDED, TOKEN_NO_LONGER_ACCEPTED, TokenStore, tokenProblem, type StorageLike,
} from './auth';

const TOKEN = 'abcdefghijklmnop_-12';

class MemoryStorage implements StorageLike {
  readonly items = new Map<string, string>();
  getItem(key: string) { return this.items.get(key) ?? null; }
  setItem(key: string, value: string) { this.items.set(key, value); }
  removeItem(key: string) { this.items.delete(key); }
}

const ok = (body: unknown): ApiResult<unknown> => ({ ok: true, status: 200, body });
const fail = (status: number, detail = ''): ApiResult<unknown> =>
  ({ ok: false, status, problem: { type: 'about:blank', title: `HTTP ${status}`, status, detail } });

describe('auth', () => {
  it('carries the token as a bearer header and as the second subprotocol', () => {
    expect(authHeaders(TOKEN)).toEqual({ Authorization: `Bearer ${TOKEN}` });
    expect(authHeaders(null)).toEqual({});
    expect(socketProtocols(TOKEN)).toEqual(['odyssey.v1', `bearer.${TOKEN}`]);
    expect(socketProtocols(null)).toEqual(['odyssey.v1']);
  });

  it('refuses tokens the gateway could not have issued', () => {
    expect(tokenProblem(TOKEN)).toBeNull();
    expect(tokenProblem('')).toMatch(/enter/);
    expect(tokenProblem('short_token')).toMatch(/16/);
    expect(tokenProblem('abcdefghijklmnop qrs')).toMatch(/letters/);
    expect(tokenProblem('abcdefghijklmnop,x')).toMatch(/letters/); // a comma would split the subprotocol list
  });

  it('orders the roles viewer < operator < admin', () => {
    expect(roleAtLeast('admin', 'operator')).toBe(true);
    expect(roleAtLeast('operator', 'operator')).toBe(true);
    expect(roleAtLeast('viewer', 'operator')).toBe(false);
    expect(roleAtLeast(null, 'viewer')).toBe(false);
  });

  it('reads whoami, taking an unknown role as viewer', () => {
    expect(parseIdentity({ name: 'ops', role: 'operator' })).toEqual({ name: 'ops', role: 'operator' });
    expect(parseIdentity({ name: 'x', role: 'superuser' })).toEqual({ name: 'x', role: 'viewer' });
    expect(parseIdentity({ role: 'admin' })).toBeNull();
    expect(parseIdentity(null)).toBeNull();
  });

  it('keeps the token in the given storage, ignoring a stored one that cannot be a token', () => {
    const storage = new MemoryStorage();
    const tokens = new TokenStore(storage);
    expect(tokens.get()).toBeNull();
    tokens.set(TOKEN);
    expect(storage.items.get('odyssey.token')).toBe(TOKEN);
    expect(new TokenStore(storage).get()).toBe(TOKEN);
    tokens.clear();
    expect(tokens.get()).toBeNull();
    storage.setItem('odyssey.token', 'bad token');
    expect(tokens.get()).toBeNull();
  });

  it('treats storage that throws as empty', () => {
    const throwing: StorageLike = {
      getItem: () => { throw new Error('denied'); },
      setItem: () => { throw new Error('denied'); },
      removeItem: () => { throw new Error('denied'); },
    };
    const tokens = new TokenStore(throwing);
    expect(() => tokens.set(TOKEN)).not.toThrow();
    expect(tokens.get()).toBeNull();
    expect(() => tokens.clear()).not.toThrow();
  });

  it('resolves the session from whoami', async () => {
    const asked: (string | null)[] = [];
    const whoami = (answer: ApiResult<unknown>) => async (token: string | null) => { asked.push(token); return answer; };
    expect(await resolveSession(TOKEN, whoami(ok({ name: 'ops', role: 'operator' }))))
      .toEqual({ kind: 'signed-in', token: TOKEN, identity: { name: 'ops', role: 'operator' } });
    expect(asked).toEqual([TOKEN]);
    expect(await resolveSession(null, whoami(ok({ name: 'anonymous', role: 'viewer' }))))
      .toEqual({ kind: 'anonymous', identity: { name: 'anonymous', role: 'viewer' } });
    expect(await resolveSession(null, whoami(fail(401)))).toEqual({ kind: 'prompt', error: 'The gateway asks for an access token.' });
    expect(await resolveSession(TOKEN, whoami(fail(401)))).toEqual({ kind: 'prompt', error: 'The gateway did not accept this token.' });
    expect(await resolveSession(TOKEN, whoami(fail(403, 'origin not allowed'))))
      .toEqual({ kind: 'prompt', error: 'The gateway refused this page: origin not allowed' });
    expect(await resolveSession(null, whoami(fail(404)))).toEqual({ kind: 'anonymous', identity: { name: 'anonymous', role: 'viewer' } });
    expect(await resolveSession(TOKEN, whoami(fail(0, 'connection refused'))))
      .toEqual({ kind: 'unreachable', token: TOKEN, error: 'connection refused' });
    expect(await resolveSession(TOKEN, whoami(ok('not json object')))).toMatchObject({ kind: 'unreachable' });
  });

  it('says why when a token kept from earlier in the tab is refused at load', async () => {
    expect(await resolveSession(TOKEN, async () => fail(401), true)).toEqual({ kind: 'prompt', error: TOKEN_NO_LONGER_ACCEPTED });
    expect(await resolveSession(null, async () => fail(401), true)).toEqual({ kind: 'prompt', error: 'The gateway asks for an access token.' });
  });

  it('asks to sign in when the live link is refused for want of a token, or for a token no longer accepted', () => {
    expect(sessionAfterRefusedSocket(null, fail(401))).toEqual({ kind: 'prompt', error: TOKEN_NEEDED });
    expect(sessionAfterRefusedSocket(TOKEN, fail(401))).toEqual({ kind: 'prompt', error: TOKEN_NO_LONGER_ACCEPTED });
    expect(sessionAfterRefusedSocket(TOKEN, fail(403, 'origin https://evil.example is not allowed')))
      .toEqual({ kind: 'prompt', error: 'The gateway refused this page: origin https://evil.example is not allowed' });
    expect(sessionAfterRefusedSocket(null, fail(403))).toEqual({ kind: 'prompt', error: 'The gateway refused this page: HTTP 403' });
  });

  it('keeps reconnecting when the refusal of the live link was not about the token', () => {
    // Accepted over REST (the socket failed for another reason), the gateway away, or failing: the link retries.
    expect(sessionAfterRefusedSocket(TOKEN, ok({ name: 'ops', role: 'operator' }))).toBeNull();
    expect(sessionAfterRefusedSocket(null, ok({ name: 'anonymous', role: 'viewer' }))).toBeNull();
    expect(sessionAfterRefusedSocket(TOKEN, fail(0, 'connection refused'))).toBeNull();
    expect(sessionAfterRefusedSocket(TOKEN, fail(503))).toBeNull();
    expect(sessionAfterRefusedSocket(null, fail(404))).toBeNull();
  });

  it('explains why a control is disabled', () => {
    const viewer = { kind: 'signed-in' as const, token: TOKEN, identity: { name: 'wall', role: 'viewer' as const } };
    const operator = { kind: 'signed-in' as const, token: TOKEN, identity: { name: 'ops', role: 'operator' as const } };
    const anonymous = { kind: 'anonymous' as const, identity: { name: 'anonymous', role: 'viewer' as const } };
    expect(permissionHint(operator, 'operator')).toBeNull();
    expect(permissionHint(operator, 'admin')).toBe('ops is an operator: this needs an admin token');
    expect(permissionHint(viewer, 'operator')).toBe('wall is a viewer: this needs an operator token');
    expect(permissionHint(anonymous, 'operator')).toBe('sign in with an operator token to do this');
    expect(sessionToken(operator)).toBe(TOKEN);
    expect(sessionToken(anonymous)).toBeNull();
  });
});
