import { toDrone, type Drone, type WireDrone } from '../model';

export function wire(id: number, seq: number, extra: Partial<WireDrone> = {}): WireDrone {
  return {
    id, seq, sentAtNs: '1764000000123456789', ingestNs: '1764000000124456789', gridNs: '1764000000126456789',
    gatewayNs: '1764000000127456789', lat: 52.5, lon: 13.4, alt: 50, hdg: 90, spd: 10, climb: 0, bat: 80,
    status: 'CRUISING', flags: 8, node: 'ingest-1',
    ...extra,
  };
}

export function drone(id: number, seq: number, extra: Partial<WireDrone> = {}, receivedAtMs = 0): Drone {
  return toDrone(wire(id, seq, extra), receivedAtMs);
}
