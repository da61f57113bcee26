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
    expect(fmt.status('TAKING_OFF')).toBe('taking off');
    expect(fmt.heading(359.6)).toBe('0°');
  });
});
