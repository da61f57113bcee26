// The session: who the gateway says we are (whoami), the token kept for this tab, sign-in and sign-out, and the API
// client that carries the token. The feeds are opened per `connectionKey` (null while there is no usable session).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { GatewayApi } from '../api';
import {
  resolveSession, sessionAfterRefusedSocket, sessionReady, sessionToken, TOKEN_NO_LONGER_ACCEPTED, TokenStore,
  type Session, type StorageLike,
} from '../auth';

/** whoami is asked again this long after the gateway could not be reached. */
const SESSION_RETRY_MS = 3000;

function browserSessionStorage(): StorageLike | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the operator signs in again after a reload
  }
}

export interface SessionHook {
  session: Session;
  /** The session as of now, for callbacks that outlive a render. */
  sessionRef: { readonly current: Session };
  api: GatewayApi;
  /** The token for the feeds, 'anonymous' without one; null while there is no usable session. */
  connectionKey: string | null;
  signInOpen: boolean;
  setSignInOpen: (open: boolean) => void;
  /** Resolves to an error text, or null once signed in. */
  signIn: (token: string) => Promise<string | null>;
  signOut: () => void;
  /**
   * A live link with `token` closed before it opened: a refused handshake tells the browser nothing, so whoami is
   * asked with the same token why. Resolves to a session to switch to (sign in, or the gateway's reason), or to an
   * error text when whoami accepts the session all the same (the origin is the likely cause), or null.
   */
  linkRefused: (token: string | null) => Promise<Session | string | null>;
  applyRefusal: (token: string | null, next: Session) => void;
}

export function useSession(): SessionHook {
  const tokens = useMemo(() => new TokenStore(browserSessionStorage()), []);
  const [session, setSession] = useState<Session>({ kind: 'checking' });
  const sessionRef = useRef(session);
  sessionRef.current = session;
  const [sessionCheck, setSessionCheck] = useState(0);
  const [signInOpen, setSignInOpen] = useState(false);
  const api = useMemo(() => new GatewayApi({
    fetch: (url, init) => window.fetch(url, init),
    token: () => sessionToken(sessionRef.current),
    // The token was revoked (or the gateway forgot it): ask for one again.
    onUnauthorized: () => {
      tokens.clear();
      setSession({ kind: 'prompt', error: TOKEN_NO_LONGER_ACCEPTED });
    },
  }), [tokens]);

  useEffect(() => {
    let cancelled = false;
    const token = tokens.get();
    void resolveSession(token, (t) => api.whoami(t), true).then((next) => {
      if (cancelled) return;
      if (next.kind === 'prompt' && token) tokens.clear();
      setSession(next);
    });
    return () => { cancelled = true; };
  }, [api, tokens, sessionCheck]);

  useEffect(() => {
    if (session.kind !== 'unreachable') return undefined;
    const timer = window.setTimeout(() => setSessionCheck((n) => n + 1), SESSION_RETRY_MS);
    return () => window.clearTimeout(timer);
  }, [session]);

  const signIn = useCallback(async (token: string): Promise<string | null> => {
    const next = await resolveSession(token, (t) => api.whoami(t));
    if (next.kind === 'unreachable') return `The gateway cannot be reached: ${next.error}`;
    if (next.kind !== 'signed-in') return next.kind === 'prompt' && next.error ? next.error : 'The gateway did not accept this token.';
    tokens.set(token);
    setSession(next);
    setSignInOpen(false);
    return null;
  }, [api, tokens]);

  const signOut = useCallback(() => {
    tokens.clear();
    setSession({ kind: 'checking' });
    setSessionCheck((n) => n + 1);
  }, [tokens]);

  const linkRefused = useCallback(async (token: string | null): Promise<Session | string | null> => {
    const answer = await api.whoami(token);
    const next = sessionAfterRefusedSocket(token, answer);
    if (next) return next;
    return answer.ok ? "The gateway refuses the live link although it accepts this session: is this page's origin in " +
      'ODYSSEY_GATEWAY_ALLOWED_ORIGINS?' : null;
  }, [api]);

  /** Switches to what a refused link found (see linkRefused), dropping a token the gateway no longer accepts. */
  const applyRefusal = useCallback((token: string | null, next: Session) => {
    if (token) tokens.clear();
    setSession(next);
  }, [tokens]);

  const connectionKey = sessionReady(session) ? sessionToken(session) ?? 'anonymous' : null;
  return {
    session, sessionRef, api, connectionKey, signInOpen, setSignInOpen, signIn, signOut, linkRefused, applyRefusal,
  };
}
