// The decoder's hand-over to the page: one packet at a time, the next only once the page applied the last, and
// between the two only the newest state of each drone, whichever encoding it came in.
import { describe, expect, it } from 'vitest';
import { wire } from '../test/fixtures';
import { encodeFrame, FRAME_CHANGES, type DroneState } from '../wire/binary';
import { DecoderCore } from './decoder';
import type { SyncPacket } from './ingest';
import { ROW_FIELDS } from './ingest';

const binaryState = (id: number, seq: number): DroneState => ({
  id, seq, sentAtNs: 1796465149745754261n, ingestNs: 0n, gridNs: 0n, gatewayNs: 0n, lat: 1, lon: 2, alt: 3, hdg: 4, spd: 5,
  climb: 0, bat: 50, status: 'LANDING', flags: 0, node: 0xffff,
});

describe('DecoderCore', () => {
  it('hands the page one packet at a time, conflating what arrives meanwhile to the newest state per drone', () => {
    const packets: SyncPacket[] = [];
    const core = new DecoderCore(() => {}, (p) => packets.push(p), () => 1000);
    core.accept(JSON.stringify({ type: 'snapshot', drones: [wire(1, 1), wire(2, 1)], bbox: null, frame: 1 }));
    expect(packets).toHaveLength(1);
    expect(packets[0]).toMatchObject({ reset: true, count: 2, frame: 1 });
    // The page is still applying packet 1: 50 frames of changes for drone 1 and one for drone 2, in both encodings.
    for (let seq = 2; seq <= 50; seq++) core.accept(JSON.stringify({ type: 'changes', drones: [wire(1, seq)], removed: [], frame: seq }));
    core.accept(encodeFrame({ frameType: FRAME_CHANGES, frame: 51, frameTimeNs: 1n, drones: [binaryState(2, 9)] }));
    expect(packets).toHaveLength(1);
    core.synced();
    expect(packets).toHaveLength(2);
    const p = packets[1];
    expect(p).toMatchObject({ reset: false, count: 2, frame: 51, messages: 50, updates: 50 });
    const rows = Array.from({ length: p.count }, (_, i) => [p.rows[i * ROW_FIELDS], p.rows[i * ROW_FIELDS + 1]]);
    expect(rows).toEqual([[1, 50], [2, 9]]);
    core.synced();
    expect(packets).toHaveLength(2); // nothing new: no empty packets
  });

  it('paced: hands the page a packet at most once per interval, the newest states when the timer fires', () => {
    let now = 1000;
    const timers: { at: number; fn: () => void }[] = [];
    const packets: SyncPacket[] = [];
    const control: string[] = [];
    const core = new DecoderCore((m) => control.push(m.type), (p) => packets.push(p), () => now,
      { minIntervalMs: 100, setTimer: (fn, ms) => timers.push({ at: now + ms, fn }) });
    core.accept(JSON.stringify({ type: 'snapshot', drones: [wire(1, 1)], bbox: null, frame: 1 }));
    expect(packets).toHaveLength(1);
    now = 1010;
    core.synced(); // applied at once: nothing new yet
    for (let seq = 2; seq <= 5; seq++) {
      now += 10;
      core.accept(JSON.stringify({ type: 'changes', drones: [wire(1, seq)], removed: [], frame: seq }));
    }
    core.accept('{"type":"pong"}');
    expect(control).toEqual(['pong']); // other messages are not held
    expect(packets).toHaveLength(1);
    expect(timers).toHaveLength(1); // one timer, however many frames came
    expect(timers[0].at).toBe(1100);
    now = 1100;
    timers.shift()!.fn();
    expect(packets).toHaveLength(2);
    expect(packets[1]).toMatchObject({ count: 1, frame: 5, messages: 4 });
    expect(packets[1].rows[1]).toBe(5);
    // Not applied yet: a timer firing meanwhile does not send another.
    core.accept(JSON.stringify({ type: 'changes', drones: [wire(1, 6)], removed: [], frame: 6 }));
    expect(packets).toHaveLength(2);
    now = 1250;
    core.synced(); // applied 150 ms later: the interval has passed, the next goes at once
    expect(packets).toHaveLength(3);
    expect(timers).toHaveLength(0);
  });

  it('passes other messages on at once, and counts a refused binary frame', () => {
    const control: string[] = [];
    const packets: SyncPacket[] = [];
    const core = new DecoderCore((m) => control.push(m.type), (p) => packets.push(p), () => 0);
    core.accept('{"type":"hello","protocol":1}');
    core.accept('not json');
    core.accept(new Uint8Array(40).buffer);
    core.synced();
    expect(control).toEqual(['hello']);
    expect(packets.reduce((n, p) => n + p.refused, 0)).toBe(1);
    expect(packets.at(-1)!.refusedReason).toMatch(/magic/);
  });
});
