// Access to the gateway (docs/api/commands.md, "Access"): the bearer token an operator types in, kept in
// sessionStorage (gone with the tab, never in a URL), the header and WebSocket subprotocols that carry it, and what
// the gateway's whoami says the token may do. Pure, apart from the storage and the whoami call, which are injected.
import type { ApiResult } from './api';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  name: string;
  role: Role;
}

/** The name whoami gives a request without a token when the gateway lets anonymous viewers in. */
export const ANONYMOUS_NAME = 'anonymous';
/** The subprotocol the gateway answers with; the token rides along as a second one (browsers cannot set headers). */
export const PROTOCOL = 'odyssey.v1';
const BEARER_PROTOCOL_PREFIX = 'bearer.';
/** The gateway's rule for secrets; anything else could not even be offered as a subprotocol. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;
export const MIN_TOKEN_LENGTH = 16;
export const TOKEN_STORAGE_KEY = 'odyssey.token';
/** What the dashboard says when the gateway refuses a token it accepted before (revoked, or forgotten). */
export const TOKEN_NO_LONGER_ACCEPTED = 'The gateway no longer accepts this token: sign in again.';
/** ...and when the live link is refused without a token because the gateway admits no anonymous viewers. */
export const TOKEN_NEEDED = 'The gateway asks for an access token to show the fleet: sign in.';

/** Whether a role may do what `needed` may (viewer < operator < admin); an unknown role may do nothing. */
export function roleAtLeast(role: Role | null | undefined, needed: Role): boolean {
  if (!role) return false;
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** The Authorization header for REST calls; none without a token (an anonymous viewer, if the gateway allows). */
export function authHeaders(token: string | null): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** The subprotocols every WebSocket offers: `odyssey.v1`, and `bearer.<token>` when there is a token. */
export function socketProtocols(token: string | null): string[] {
  return token ? [PROTOCOL, BEARER_PROTOCOL_PREFIX + token] : [PROTOCOL];
}

/** Why a typed token cannot be one (null when it can). Checked before it is sent anywhere. */
export function tokenProblem(token: string): string | null {
  if (token.length === 0) return 'enter the access token';
  if (!TOKEN_PATTERN.test(token)) return 'a token has only letters, digits, "-" and "_"';
  if (token.length < MIN_TOKEN_LENGTH) return `a token has at least ${MIN_TOKEN_LENGTH} characters`;
  return null;
}

/** Reads whoami's answer. A role this build does not know is taken as the least one (the contract only grows). */
export function parseIdentity(body: unknown): Identity | null {
  if (body === null || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  if (typeof b.name !== 'string' || typeof b.role !== 'string') return null;
  const role = (ROLES as readonly string[]).includes(b.role) ? (b.role as Role) : 'viewer';
  return { name: b.name, role };
}

/** The part of sessionStorage the dashboard uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * The token of this tab. sessionStorage rather than localStorage: closing the tab signs out, and another tab (or
 * another user of the machine later) does not inherit the rights. Storage that throws (disabled, private mode) is
 * treated as empty: the operator then signs in again after a reload.
 */
export class TokenStore {
  constructor(private readonly storage: StorageLike | null, private readonly key = TOKEN_STORAGE_KEY) {}

  get(): string | null {
    try {
      const token = this.storage?.getItem(this.key) ?? null;
      return token && tokenProblem(token) === null ? token : null;
    } catch {
      return null;
    }
  }

  set(token: string): void {
    try { this.storage?.setItem(this.key, token); } catch { /* not kept: sign in again after a reload */ }
  }

  clear(): void {
    try { this.storage?.removeItem(this.key); } catch { /* nothing kept */ }
  }
}

/** Where the dashboard stands with the gateway. */
export type Session =
  | { kind: 'checking' }
  | { kind: 'signed-in'; token: string; identity: Identity }
  /** No token, and the gateway lets anonymous requests in with this (viewer) identity. */
  | { kind: 'anonymous'; identity: Identity }
  /** A token is needed (or the one given was refused: `error`). */
  | { kind: 'prompt'; error: string | null }
  /** whoami could not be asked (network, 5xx): try again later with the same token. */
  | { kind: 'unreachable'; token: string | null; error: string };

/** The token to send, if any. */
export function sessionToken(session: Session): string | null {
  if (session.kind === 'signed-in') return session.token;
  if (session.kind === 'unreachable') return session.token;
  return null;
}

/** The identity the gateway gave, if any. */
export function sessionIdentity(session: Session): Identity | null {
  return session.kind === 'signed-in' || session.kind === 'anonymous' ? session.identity : null;
}

/** Whether the dashboard may talk to the gateway's feeds (a token accepted, or anonymous viewing allowed). */
export function sessionReady(session: Session): boolean {
  return session.kind === 'signed-in' || session.kind === 'anonymous';
}

/**
 * Why the current session may not do what `needed` may, as a tooltip for the disabled control; null when it may.
 * An anonymous viewer is told to sign in, a signed-in viewer which role it lacks.
 */
export function permissionHint(session: Session, needed: Role): string | null {
  const identity = sessionIdentity(session);
  if (session.kind === 'signed-in' && roleAtLeast(identity?.role, needed)) return null;
  if (session.kind === 'signed-in') return `${identity!.name} is ${article(identity!.role)} ${identity!.role}: this needs ${article(needed)} ${needed} token`;
  if (session.kind === 'anonymous') return `sign in with ${article(needed)} ${needed} token to do this`;
  return 'not signed in';
}

function article(role: Role): string {
  return role === 'admin' || role === 'operator' ? 'an' : 'a';
}

/**
 * Asks whoami what `token` (or no token) may do:
 * - 200 with a token: signed in; without one: anonymous viewing (the gateway's ODYSSEY_GATEWAY_ANONYMOUS_ROLE);
 * - 401: the prompt, saying whether a token is missing, was refused, or (`stored`: kept from earlier in this tab) is no
 *   longer accepted;
 * - 403: the gateway refuses this page (its origin is not allowed), which a token does not change;
 * - 404 without a token: a gateway from before access control (no whoami), viewed anonymously;
 * - anything else (network, 5xx): unreachable, to be retried.
 */
export async function resolveSession(
  token: string | null, whoami: (token: string | null) => Promise<ApiResult<unknown>>, stored = false,
): Promise<Session> {
  const answer = await whoami(token);
  if (answer.ok) {
    const identity = parseIdentity(answer.body);
    if (!identity) return { kind: 'unreachable', token, error: 'whoami gave an unreadable answer' };
    return token ? { kind: 'signed-in', token, identity } : { kind: 'anonymous', identity };
  }
  if (answer.status === 401) {
    // A token kept from earlier in this tab that is refused now was revoked, or the gateway forgot it: say so.
    return { kind: 'prompt', error: token ? (stored ? TOKEN_NO_LONGER_ACCEPTED : 'The gateway did not accept this token.') : 'The gateway asks for an access token.' };
  }
  if (answer.status === 404 && !token) {
    // A gateway older than access control has no whoami: it serves everyone, so view what it serves.
    return { kind: 'anonymous', identity: { name: ANONYMOUS_NAME, role: 'viewer' } };
  }
  if (answer.status === 403) {
    return { kind: 'prompt', error: `The gateway refused this page: ${answer.problem.detail || answer.problem.title}` };
  }
  return { kind: 'unreachable', token, error: answer.problem.detail || answer.problem.title };
}

/**
 * The live link's WebSocket closed before it opened. A refused handshake gives the browser no status code, so the
 * dashboard asks whoami with the same token and decides from that answer:
 * - 401: the token is missing or no longer accepted (revoked, or the gateway forgot it): the sign-in prompt, saying
 *   which, instead of "connecting" for ever;
 * - 403: the gateway refuses this page (its origin is not allowed): the prompt with the gateway's reason;
 * - anything else (accepted, network down, 5xx): null, keep reconnecting — the refusal was not about the token, or the
 *   gateway is away and the link's back-off covers that.
 */
export function sessionAfterRefusedSocket(token: string | null, whoami: ApiResult<unknown>): Session | null {
  if (whoami.ok) return null;
  if (whoami.status === 401) return { kind: 'prompt', error: token ? TOKEN_NO_LONGER_ACCEPTED : TOKEN_NEEDED };
  if (whoami.status === 403) {
    return { kind: 'prompt', error: `The gateway refused this page: ${whoami.problem.detail || whoami.problem.title}` };
  }
  return null;
}
