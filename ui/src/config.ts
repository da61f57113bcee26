// What the dashboard needs to start, from the gateway's GET /config.json (docs/api/websocket.md); defaults when the
// fetch fails, so the page still works (offline map, /ws/fleet) against a gateway without it.
import { applyServedLimits } from './commands';
import type { MapConfig } from './fleetMap';

export interface ClientConfig extends MapConfig {
  wsPath: string;
}

export const DEFAULT_CONFIG: ClientConfig = { tileUrl: null, tileAttribution: '', wsPath: '/ws/fleet' };

/** Merges a config.json body over the defaults, ignoring fields of the wrong type (and unknown ones). */
export function parseConfig(body: unknown): ClientConfig {
  const config = { ...DEFAULT_CONFIG };
  if (body === null || typeof body !== 'object') return config;
  const b = body as Record<string, unknown>;
  if (typeof b.tileUrl === 'string' && b.tileUrl.trim() !== '') config.tileUrl = b.tileUrl.trim();
  if (typeof b.tileAttribution === 'string') config.tileAttribution = b.tileAttribution;
  if (typeof b.wsPath === 'string' && b.wsPath.trim() !== '') config.wsPath = b.wsPath.trim();
  return config;
}

export async function loadConfig(timeoutMs = 3000): Promise<ClientConfig> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    // Relative to the page, so it resolves to /config.json at the root and still works behind a path prefix.
    const response = await fetch('config.json', { cache: 'no-store', signal: controller.signal });
    if (!response.ok) return { ...DEFAULT_CONFIG };
    const body: unknown = await response.json();
    // The bounds of an order, so the order panel refuses what the gateway would (and nothing it would take).
    applyServedLimits(body !== null && typeof body === 'object' ? (body as Record<string, unknown>).commandLimits : null);
    return parseConfig(body);
  } catch {
    return { ...DEFAULT_CONFIG };
  } finally {
    clearTimeout(timer);
  }
}
