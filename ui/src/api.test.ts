import { describe, expect, it } from 'vitest';
import { GatewayApi, parseProblem, problemText, type FetchLike } from './api';

interface Call { url: string; method: string; headers: Record<string, string>; body?: string }

function fakeFetch(answers: Array<{ status: number; body?: unknown; text?: string } | Error>) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, method: init.method, headers: init.headers, body: init.body });
    const answer = answers.shift();
    if (!answer) throw new Error('no answer scripted');
    if (answer instanceof Error) throw answer;
    return { status: answer.status, text: async () => answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body)) };
  };
  return { fetch, calls };
}

describe('GatewayApi', () => {
  it('sends the session token and a JSON body', async () => {
    const { fetch, calls } = fakeFetch([{ status: 202, body: { id: '1', droneId: 7 } }]);
    const api = new GatewayApi({ fetch, token: () => 'secret-token-0123456' });
    const answer = await api.sendCommand({ droneId: 7, type: 'hold' });
    expect(answer).toEqual({ ok: true, status: 202, body: { id: '1', droneId: 7 } });
    expect(calls[0].url).toBe('api/v1/commands');
    expect(calls[0].method).toBe('POST');
    expect(calls[0].headers.Authorization).toBe('Bearer secret-token-0123456');
    expect(calls[0].headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(calls[0].body!)).toEqual({ droneId: 7, type: 'hold' });
  });

  it('sends no Authorization without a token', async () => {
    const { fetch, calls } = fakeFetch([{ status: 200, body: { type: 'FeatureCollection', features: [] } }]);
    await new GatewayApi({ fetch, token: () => null }).geofences();
    expect(calls[0].headers.Authorization).toBeUndefined();
  });

  it('checks a candidate token without touching the session', async () => {
    let unauthorized = 0;
    const { fetch, calls } = fakeFetch([{ status: 401, body: { title: 'Unauthorized', status: 401 } }]);
    const api = new GatewayApi({ fetch, token: () => 'session-token-012345', onUnauthorized: () => unauthorized++ });
    const answer = await api.whoami('candidate-token-0123');
    expect(calls[0].headers.Authorization).toBe('Bearer candidate-token-0123');
    expect(answer.ok).toBe(false);
    expect(unauthorized).toBe(0);
  });

  it('reports a 401 on the session token, so the dashboard asks again', async () => {
    let unauthorized = 0;
    const { fetch } = fakeFetch([{ status: 401, text: '' }]);
    const api = new GatewayApi({ fetch, token: () => 'session-token-012345', onUnauthorized: () => unauthorized++ });
    await api.drone(7);
    expect(unauthorized).toBe(1);
  });

  it('returns the problem of a refusal', async () => {
    const problem = { type: 'about:blank', title: 'Unprocessable Entity', status: 422, detail: "leaves the keep-in fence 'city'", code: 'GEOFENCE', commandId: '714' };
    const { fetch } = fakeFetch([{ status: 422, body: problem }]);
    const answer = await new GatewayApi({ fetch, token: () => null }).sendCommand({});
    expect(answer).toEqual({ ok: false, status: 422, problem });
    if (!answer.ok) expect(problemText(answer.problem)).toBe("Unprocessable Entity: leaves the keep-in fence 'city' (GEOFENCE)");
  });

  it('turns a network error into a problem with status 0', async () => {
    const { fetch } = fakeFetch([new TypeError('Failed to fetch')]);
    const answer = await new GatewayApi({ fetch, token: () => null }).whoami();
    expect(answer).toMatchObject({ ok: false, status: 0, problem: { title: 'no answer from the gateway' } });
  });

  it('builds query strings and escapes ids', async () => {
    const { fetch, calls } = fakeFetch([{ status: 200, body: { commands: [] } }, { status: 202, body: {} }, { status: 204 }]);
    const api = new GatewayApi({ fetch, token: () => null });
    await api.commands({ droneId: 7, active: true, limit: 5 });
    await api.cancelCommand('714262388312064000');
    const deleted = await api.deleteGeofence('a/b');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET api/v1/commands?droneId=7&active=true&limit=5',
      'POST api/v1/commands/714262388312064000/cancel',
      'DELETE api/v1/geofences/a%2Fb',
    ]);
    expect(deleted).toEqual({ ok: true, status: 204, body: null });
  });

  it('makes a problem of any error body', () => {
    expect(parseProblem(502, '<html>bad gateway</html>', 'Bad Gateway')).toMatchObject({ title: 'Bad Gateway', status: 502, detail: '<html>bad gateway</html>' });
    expect(parseProblem(500, '')).toMatchObject({ title: 'HTTP 500', detail: '' });
    expect(parseProblem(404, '{"title":"Not Found","detail":"no drone 9"}')).toMatchObject({ title: 'Not Found', status: 404, detail: 'no drone 9' });
  });
});
