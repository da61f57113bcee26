// The /ws/fleet contract (docs/api/websocket.md) as types, a tolerant parser and message builders.
import type { WireDrone } from './model';
import type { BBox } from './geo';

export interface HelloMessage {
  type: 'hello'; protocol: number; coalesceMs?: number; serverTimeMs?: number;
  /** Present when the gateway does flow control (docs/api/websocket.md, "Flow control"). */
  flow?: { maxWindow: number };
}
export interface SnapshotMessage { type: 'snapshot'; drones: WireDrone[]; bbox: BBox | null }
export interface ChangesMessage { type: 'changes'; drones: WireDrone[]; removed: number[] }
export interface ErrorMessage { type: 'error'; code: string; message: string }
export interface PongMessage { type: 'pong'; serverTimeMs?: number }
/** An alert raised on a drone (or a pair, for a loss of separation) and not yet cleared. */
export interface Alert {
  key: string;
  alertType: string;
  droneId: number;
  otherDroneId?: number;
  raisedAt: string;
  value: number | null;
  node: string;
}
export interface AlertsMessage { type: 'alerts'; active: Alert[] }
export interface AlertMessage { type: 'alert'; event: 'raised' | 'cleared'; alert: Alert }
/** One raise or clear of an alert. */
export interface AlertChange { event: 'raised' | 'cleared'; alert: Alert }
/** The raises and clears of one gateway tick, in order (odyssey.bin.v1 connections: docs/api/websocket.md). */
export interface AlertChangesMessage { type: 'alertChanges'; changes: AlertChange[] }
export type ServerMessage = HelloMessage | SnapshotMessage | ChangesMessage | ErrorMessage | PongMessage | AlertsMessage
  | AlertMessage | AlertChangesMessage;

/**
 * Parses one text frame. Unknown fields are kept but ignored; unknown message types and malformed frames give
 * null (the client ignores them rather than failing, since the contract only grows).
 */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return serverMessage(value);
}

/** A message already parsed from JSON (see parseServerMessage). */
export function serverMessage(value: unknown): ServerMessage | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'hello': {
      const flow = m.flow as { maxWindow?: unknown } | undefined;
      const maxWindow = flow && typeof flow === 'object' && Number.isInteger(flow.maxWindow) && (flow.maxWindow as number) >= 1
        ? (flow.maxWindow as number) : null;
      return {
        type: 'hello', protocol: Number(m.protocol ?? 1),
        coalesceMs: typeof m.coalesceMs === 'number' ? m.coalesceMs : undefined,
        serverTimeMs: typeof m.serverTimeMs === 'number' ? m.serverTimeMs : undefined,
        flow: maxWindow === null ? undefined : { maxWindow },
      };
    }
    case 'snapshot':
      return { type: 'snapshot', drones: array(m.drones) as WireDrone[], bbox: Array.isArray(m.bbox) ? (m.bbox as BBox) : null };
    case 'changes':
      return {
        type: 'changes',
        drones: array(m.drones) as WireDrone[],
        removed: array(m.removed).filter((id): id is number => typeof id === 'number'),
      };
    case 'error':
      return { type: 'error', code: String(m.code ?? 'UNKNOWN'), message: String(m.message ?? '') };
    case 'pong':
      return { type: 'pong', serverTimeMs: typeof m.serverTimeMs === 'number' ? m.serverTimeMs : undefined };
    case 'alerts':
      return { type: 'alerts', active: array(m.active).map(toAlert).filter((a): a is Alert => a !== null) };
    case 'alert': {
      const change = toChange(m);
      return change && { type: 'alert', ...change };
    }
    case 'alertChanges':
      // A malformed change is left out, the others kept in order (each is a whole raise or clear of its own alert).
      return { type: 'alertChanges', changes: array(m.changes).map(toChange).filter((c): c is AlertChange => c !== null) };
    default:
      return null;
  }
}

function toChange(value: unknown): AlertChange | null {
  if (value === null || typeof value !== 'object') return null;
  const c = value as Record<string, unknown>;
  const alert = toAlert(c.alert);
  if (!alert || (c.event !== 'raised' && c.event !== 'cleared')) return null;
  return { event: c.event, alert };
}

function toAlert(value: unknown): Alert | null {
  if (value === null || typeof value !== 'object') return null;
  const a = value as Record<string, unknown>;
  if (typeof a.key !== 'string' || typeof a.alertType !== 'string' || typeof a.droneId !== 'number') return null;
  return {
    key: a.key,
    alertType: a.alertType,
    droneId: a.droneId,
    otherDroneId: typeof a.otherDroneId === 'number' ? a.otherDroneId : undefined,
    raisedAt: typeof a.raisedAt === 'string' ? a.raisedAt : '',
    value: typeof a.value === 'number' ? a.value : null,
    node: typeof a.node === 'string' ? a.node : '',
  };
}

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function subscribeMessage(bbox: BBox | null): string {
  return JSON.stringify({ type: 'subscribe', bbox });
}

export const PING_MESSAGE = '{"type":"ping"}';

/** Opts in to flow control with this many frames in flight. */
export function flowMessage(window: number): string {
  return JSON.stringify({ type: 'flow', window });
}

/** Every frame up to `frame` has been applied. */
export function ackMessage(frame: number): string {
  return JSON.stringify({ type: 'ack', frame });
}
