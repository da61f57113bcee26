import { parseCommand, type Command } from '../commands';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

/** A command as the gateway sends it (wire form), `steps` as [state, ms after issue, reason?, progress?]. */
export function wireCommand(id: string, droneId: number, steps: [string, number, string?, number?][], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const last = steps[steps.length - 1];
  return {
    id, droneId, type: 'return-to-home', params: {}, state: last[0], reason: last[2] ?? null, progress: last[3] ?? 0,
    waypointIndex: null, idempotencyKey: null, issuedBy: 'ops', issuedFrom: '127.0.0.1', issuedAt: iso(0),
    expiresAt: iso(300_000), node: 'ingest-1', attempts: 1,
    transitions: steps.map(([state, at, reason, progress]) => ({ state, at: iso(at), reason: reason ?? null, progress: progress ?? 0 })),
    ackMs: null, effectMs: null,
    ...extra,
  };
}

export function command(id: string, droneId: number, steps: [string, number, string?, number?][], extra: Record<string, unknown> = {}): Command {
  return parseCommand(wireCommand(id, droneId, steps, extra))!;
}

export { T0 };
