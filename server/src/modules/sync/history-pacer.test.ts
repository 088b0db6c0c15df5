import { HistoryPacer } from './history-pacer';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('HistoryPacer', () => {
  it('runs at most `readers` turns at once, the others in arrival order', async () => {
    const pacer = new HistoryPacer(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const work = (n: number) =>
      pacer.turn(async () => {
        running++;
        most = Math.max(most, running);
        await tick();
        order.push(n);
        running--;
        return n;
      });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(work));
    expect(results).toEqual([1, 2, 3, 4, 5, 6]);
    expect(most).toBe(2);
    expect(order.slice(2)).toEqual([3, 4, 5, 6]);
    expect(pacer.queued).toBe(0);
  });

  it('lets other work run between the turns of one long series (one big sync does not starve others)', async () => {
    const pacer = new HistoryPacer(1);
    const events: string[] = [];
    const bigSync = (async () => {
      for (let page = 0; page < 5; page++) await pacer.turn(async () => void events.push(`page ${page}`));
    })();
    // Something that becomes ready while the sync runs (a live event for another user).
    setImmediate(() => events.push('live'));
    await bigSync;
    expect(events.indexOf('live')).toBeGreaterThan(-1);
    expect(events.indexOf('live')).toBeLessThan(events.indexOf('page 4'));
  });

  it('a failing turn frees its reader', async () => {
    const pacer = new HistoryPacer(1);
    await expect(pacer.turn(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(pacer.turn(async () => 7)).resolves.toBe(7);
  });
});
