import { describe, expect, it } from 'vitest';
import { parseServerMessage, type Alert } from './protocol';
import { FleetStore } from './store';

const low: Alert = { key: 'LOW_BATTERY:7', alertType: 'LOW_BATTERY', droneId: 7, raisedAt: '2026-12-01T12:00:00Z', value: 18.5, node: 'ingest-1' };
const pair: Alert = {
  key: 'LOSS_OF_SEPARATION:3:4', alertType: 'LOSS_OF_SEPARATION', droneId: 3, otherDroneId: 4,
  raisedAt: '2026-12-01T12:00:01Z', value: 12, node: 'ingest-1',
};

describe('alert messages', () => {
  it('parses the list and single raises and clears, dropping malformed alerts', () => {
    const list = parseServerMessage(JSON.stringify({ type: 'alerts', active: [low, pair, { key: 1 }] }));
    expect(list).toEqual({ type: 'alerts', active: [low, pair] });
    expect(parseServerMessage(JSON.stringify({ type: 'alert', event: 'raised', alert: low })))
      .toEqual({ type: 'alert', event: 'raised', alert: low });
    expect(parseServerMessage(JSON.stringify({ type: 'alert', event: 'exploded', alert: low }))).toBeNull();
    expect(parseServerMessage(JSON.stringify({ type: 'alert', event: 'cleared' }))).toBeNull();
    expect(parseServerMessage(JSON.stringify({ type: 'alerts', active: [{ ...low, value: null, extra: 1 }] })))
      .toEqual({ type: 'alerts', active: [{ ...low, value: null }] });
  });

  it('parses a tick of raises and clears in order, leaving out only the malformed ones', () => {
    const message = parseServerMessage(JSON.stringify({
      type: 'alertChanges',
      changes: [
        { event: 'raised', alert: low }, { event: 'exploded', alert: pair }, { event: 'raised', alert: { key: 1 } },
        { event: 'raised', alert: pair }, { event: 'cleared', alert: low }, 'garbage',
      ],
    }));
    expect(message).toEqual({
      type: 'alertChanges',
      changes: [{ event: 'raised', alert: low }, { event: 'raised', alert: pair }, { event: 'cleared', alert: low }],
    });
    expect(parseServerMessage(JSON.stringify({ type: 'alertChanges' }))).toEqual({ type: 'alertChanges', changes: [] });
  });

  it('keeps the active alerts and which drones they concern', () => {
    const store = new FleetStore();
    store.applyAlerts([low]);
    const v1 = store.alertVersion;
    store.applyAlert('raised', pair);
    expect(store.alertVersion).toBeGreaterThan(v1);
    expect([...store.alertedDrones()].sort()).toEqual([3, 4, 7]);
    store.applyAlert('cleared', low);
    expect([...store.alerts.keys()]).toEqual(['LOSS_OF_SEPARATION:3:4']);
    store.applyAlerts([]);
    expect(store.alertedDrones().size).toBe(0);
  });

  it('lists the active alerts newest first, sorting again only after they changed', () => {
    const store = new FleetStore();
    // A whole second is written without a fraction ("…:01Z" sorts after "…:01.500Z" as text, not in time).
    const later: Alert = { ...low, key: 'LOW_BATTERY:9', droneId: 9, raisedAt: '2026-12-01T12:00:01.500Z' };
    store.applyAlerts([low, later, pair]);
    const first = store.alertsNewestFirst();
    expect(first.map((a) => a.key)).toEqual(['LOW_BATTERY:9', 'LOSS_OF_SEPARATION:3:4', 'LOW_BATTERY:7']);
    expect(store.alertsNewestFirst()).toBe(first); // unchanged: the same list, not sorted again
    store.applyAlert('cleared', later);
    expect(store.alertsNewestFirst().map((a) => a.key)).toEqual(['LOSS_OF_SEPARATION:3:4', 'LOW_BATTERY:7']);
  });
});
