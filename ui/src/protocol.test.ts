import { describe, expect, it } from 'vitest';
import { parseServerMessage, subscribeMessage } from './protocol';
import { parseConfig, DEFAULT_CONFIG } from './config';
import { wire } from './test/fixtures';

describe('parseServerMessage', () => {
  it('parses every message type of the contract', () => {
    expect(parseServerMessage('{"type":"hello","protocol":1,"coalesceMs":16,"serverTimeMs":1764000000000}'))
      .toMatchObject({ type: 'hello', protocol: 1, coalesceMs: 16 });
    const drones = [wire(1, 2)];
    expect(parseServerMessage(JSON.stringify({ type: 'snapshot', drones, bbox: null }))).toEqual({ type: 'snapshot', drones, bbox: null });
    expect(parseServerMessage(JSON.stringify({ type: 'snapshot', drones, bbox: [1, 2, 3, 4] }))).toMatchObject({ bbox: [1, 2, 3, 4] });
    expect(parseServerMessage(JSON.stringify({ type: 'changes', drones, removed: [5, 6] }))).toEqual({ type: 'changes', drones, removed: [5, 6] });
    expect(parseServerMessage('{"type":"error","code":"BAD_BBOX","message":"south >= north"}'))
      .toEqual({ type: 'error', code: 'BAD_BBOX', message: 'south >= north' });
    expect(parseServerMessage('{"type":"pong","serverTimeMs":5}')).toEqual({ type: 'pong', serverTimeMs: 5 });
  });

  it('ignores unknown fields and tolerates missing arrays', () => {
    expect(parseServerMessage('{"type":"changes","drones":[],"extra":true}')).toEqual({ type: 'changes', drones: [], removed: [] });
    const parsed = parseServerMessage(JSON.stringify({ type: 'changes', drones: [{ ...wire(1, 1), future: 'x' }] }));
    expect(parsed?.type === 'changes' && parsed.drones[0].id).toBe(1);
  });

  it('returns null for garbage and unknown types', () => {
    expect(parseServerMessage('not json')).toBeNull();
    expect(parseServerMessage('[1,2]')).toBeNull();
    expect(parseServerMessage('null')).toBeNull();
    expect(parseServerMessage('{"type":"telemetry-v2"}')).toBeNull();
  });

  it('builds subscribe messages', () => {
    expect(JSON.parse(subscribeMessage([1, 2, 3, 4]))).toEqual({ type: 'subscribe', bbox: [1, 2, 3, 4] });
    expect(JSON.parse(subscribeMessage(null))).toEqual({ type: 'subscribe', bbox: null });
  });
});

describe('parseConfig', () => {
  it('takes known fields of the right type over the defaults', () => {
    expect(parseConfig({ tileUrl: 'https://t/{z}/{x}/{y}.png', tileAttribution: '© x', wsPath: '/ws/fleet', coalesceMs: 16 }))
      .toEqual({ tileUrl: 'https://t/{z}/{x}/{y}.png', tileAttribution: '© x', wsPath: '/ws/fleet' });
    expect(parseConfig({ tileUrl: null, wsPath: 5 })).toEqual(DEFAULT_CONFIG);
    expect(parseConfig({ tileUrl: '  ' })).toEqual(DEFAULT_CONFIG);
    expect(parseConfig('nonsense')).toEqual(DEFAULT_CONFIG);
  });
});
