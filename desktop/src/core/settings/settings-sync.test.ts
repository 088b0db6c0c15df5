import { budgetFromSettings } from './settings-sync';

const MB = 1024 * 1024;

describe('budgetFromSettings', () => {
  it('turns the synced budget into bytes, and says nothing when the settings do not', () => {
    expect(budgetFromSettings(null)).toBeNull();
    expect(budgetFromSettings({ theme: 'dark' })).toBeNull();
    expect(budgetFromSettings({ desktopBudget: { maxChats: 40, maxMegabytes: 200 } })).toEqual({
      maxChats: 40,
      maxBytes: 200 * MB,
    });
  });

  it('clamps a budget larger than this app supports (written by another client) instead of failing', () => {
    expect(budgetFromSettings({ desktopBudget: { maxChats: 10_000, maxMegabytes: 100_000 } })).toEqual({
      maxChats: 10_000,
      maxBytes: 10 * 1024 * MB,
    });
  });
});
