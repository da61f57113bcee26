// The gateway's REST API (docs/api/commands.md, docs/api/history.md): every call carries the bearer token, answers
// come back as a result that is either the body or the problem (application/problem+json), never an exception.
// fetch is injected, so the client is unit-tested without a network.
import { authHeaders } from './auth';

/** An RFC 9457 problem, as the gateway sends it (plus `code` and `commandId` for refused commands). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code?: string;
  commandId?: string;
}

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; status: number; problem: Problem };

/** The part of the browser's fetch the client uses. */
export type FetchLike = (url: string, init: {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  cache?: RequestCache;
}) => Promise<{ status: number; statusText?: string; text(): Promise<string> }>;

export interface ApiOptions {
  fetch: FetchLike;
  /** The token of the current session (read on every call, so signing in or out needs no new client). */
  token: () => string | null;
  /** Prefix of every path: '' resolves `api/v1/...` against the page, so a path prefix in front of the gateway works. */
  base?: string;
  /** Called when a call made with the session's token answers 401 (the token was revoked or the gateway restarted). */
  onUnauthorized?: () => void;
  timeoutMs?: number;
}

export interface RequestOptions {
  body?: unknown;
  /** Use this token instead of the session's (sign-in checks a candidate before keeping it); null: no token. */
  token?: string | null;
  headers?: Record<string, string>;
}

/** A problem for an answer that is not problem+json (or no answer at all). */
export function parseProblem(status: number, text: string, statusText = ''): Problem {
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const fallbackTitle = status === 0 ? 'no answer from the gateway' : statusText || `HTTP ${status}`;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { type: 'about:blank', title: fallbackTitle, status, detail: text && text.length <= 200 ? text.trim() : '' };
  }
  const b = body as Record<string, unknown>;
  const problem: Problem = {
    type: typeof b.type === 'string' ? b.type : 'about:blank',
    title: typeof b.title === 'string' ? b.title : fallbackTitle,
    status: typeof b.status === 'number' ? b.status : status,
    detail: typeof b.detail === 'string' ? b.detail : '',
  };
  if (typeof b.code === 'string') problem.code = b.code;
  if (typeof b.commandId === 'string' || typeof b.commandId === 'number') problem.commandId = String(b.commandId);
  return problem;
}

/** One line for an operator: "Unprocessable Entity: leaves the keep-in fence 'city' (GEOFENCE)". */
export function problemText(problem: Problem): string {
  const parts = [problem.title];
  if (problem.detail && problem.detail !== problem.title) parts.push(problem.detail);
  return parts.join(': ') + (problem.code ? ` (${problem.code})` : '');
}

export class GatewayApi {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiOptions) {
    this.base = options.base ?? '';
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResult<T>> {
    const usesSessionToken = options.token === undefined;
    const token = usesSessionToken ? this.options.token() : options.token ?? null;
    const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders(token), ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const controller = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = controller ? setTimeout(() => controller.abort(), this.timeoutMs) : null;
    let status: number;
    let text: string;
    let statusText = '';
    try {
      const response = await this.options.fetch(this.base + path, { method, headers, body, signal: controller?.signal, cache: 'no-store' });
      status = response.status;
      statusText = response.statusText ?? '';
      text = await response.text();
    } catch (error) {
      const aborted = controller?.signal.aborted;
      return { ok: false, status: 0, problem: { type: 'about:blank', title: aborted ? 'the gateway did not answer in time' : 'no answer from the gateway', status: 0, detail: aborted ? '' : String(error) } };
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
    if (status >= 200 && status < 300) {
      if (!text) return { ok: true, status, body: null as T };
      try {
        return { ok: true, status, body: JSON.parse(text) as T };
      } catch {
        return { ok: false, status, problem: { type: 'about:blank', title: 'unreadable answer', status, detail: text.slice(0, 200) } };
      }
    }
    if (status === 401 && usesSessionToken && token) this.options.onUnauthorized?.();
    return { ok: false, status, problem: parseProblem(status, text, statusText) };
  }

  whoami(token?: string | null) {
    return this.request('GET', 'api/v1/whoami', { token });
  }

  /** The drone with its 20 most recent commands. */
  drone(id: number) {
    return this.request<Record<string, unknown>>('GET', `api/v1/drones/${id}`);
  }

  commands(query: { droneId?: number; state?: string; active?: boolean; limit?: number } = {}) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const q = params.toString();
    return this.request<{ commands?: unknown[] }>('GET', `api/v1/commands${q ? `?${q}` : ''}`);
  }

  sendCommand(request: object) {
    return this.request('POST', 'api/v1/commands', { body: request });
  }

  cancelCommand(id: string) {
    return this.request('POST', `api/v1/commands/${encodeURIComponent(id)}/cancel`);
  }

  geofences() {
    return this.request('GET', 'api/v1/geofences');
  }

  createGeofence(feature: GeoJSON.Feature) {
    return this.request('POST', 'api/v1/geofences', { body: feature });
  }

  deleteGeofence(id: string) {
    return this.request('DELETE', `api/v1/geofences/${encodeURIComponent(id)}`);
  }

  /** GET on any path of the API (history tracks, ...). */
  get<T = unknown>(path: string) {
    return this.request<T>('GET', path);
  }
}
