import { describe, expect, it } from 'vitest';
import { fmt } from './format';

describe('fmt', () => {
  it('formats numbers, and a dash for null or non-finite values (the gateway sends null for those)', () => {
    expect(fmt.num(12.345, 1)).toBe('12.3');
    expect(fmt.num(null)).toBe('–');
    expect(fmt.num(NaN)).toBe('–');
    expect(fmt.metres(null as unknown as number)).toBe('–');
    expect(fmt.ms(12.34)).toBe('12 ms');
    expect(fmt.ms(4.56)).toBe('4.6 ms');
    expect(fmt.ms(1534)).toBe('1.5 s');
    expect(fmt.ms(NaN)).toBe('–');
    expect(fmt.age(1534)).toBe('1.5 s');
    expect(fmt.age(-40)).toBe('0.0 ms');
    expect(fmt.age(-2500)).toBe('2.5 s ahead');
    expect(fmt.age(NaN)).toBe('–');
    expect(fmt.status('TAKING_OFF')).toBe('taking off');
    expect(fmt.heading(359.6)).toBe('0°');
  });

  it('formats wall-clock times to the millisecond and coarse ages', () => {
    expect(fmt.clock(new Date(2026, 11, 1, 9, 5, 7, 42).getTime())).toBe('09:05:07.042');
    expect(fmt.clock(NaN)).toBe('–');
    expect(fmt.ago(12_400)).toBe('12 s');
    expect(fmt.ago(-5)).toBe('0 s');
    expect(fmt.ago(300_000)).toBe('5 min');
    expect(fmt.ago(7_200_000)).toBe('2 h');
  });
});
