import { FleetIngest } from '../fleet/ingest';
import type { Drone, WireDrone } from '../model';
import { FleetStore } from '../store';

export function wire(id: number, seq: number, extra: Partial<WireDrone> = {}): WireDrone {
  return {
    id, seq, sentAtNs: '1764000000123456789', ingestNs: '1764000000124456789', gridNs: '1764000000126456789',
    gatewayNs: '1764000000127456789', lat: 52.5, lon: 13.4, alt: 50, hdg: 90, spd: 10, climb: 0, bat: 80,
    status: 'CRUISING', flags: 8, node: 'ingest-1',
    ...extra,
  };
}

/** A store fed as the dashboard feeds it: JSON messages through the fleet decoder's ingest, then a sync packet. */
export class FedStore extends FleetStore {
  readonly ingest = new FleetIngest();

  snapshot(drones: WireDrone[], nowMs = 0): this {
    return this.message({ type: 'snapshot', drones, bbox: null }, nowMs);
  }

  changes(drones: WireDrone[], removed: number[] = [], nowMs = 0): this {
    return this.message({ type: 'changes', drones, removed }, nowMs);
  }

  message(message: object, nowMs = 0): this {
    this.ingest.accept(JSON.stringify(message), nowMs);
    const packet = this.ingest.takeSync();
    if (packet) this.applySync(packet, nowMs);
    return this;
  }
}

/** A drone as the dashboard holds it, decoded from this wire object at `receivedAtMs`. */
export function drone(id: number, seq: number, extra: Partial<WireDrone> = {}, receivedAtMs = 0): Drone {
  return new FedStore().changes([wire(id, seq, extra)], [], receivedAtMs).drones.get(id)!;
}

/** Several drones, as the table and selection read them. */
export function storeOf(drones: WireDrone[]): FedStore {
  return new FedStore().snapshot(drones);
}
