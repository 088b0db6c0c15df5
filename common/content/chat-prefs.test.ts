import { advancedReadThrough, chatPrefOf, readOnAnotherDevice, withChatPref } from './chat-prefs';

const A = '0190a0a0-0000-7000-8000-00000000000a';
const B = '0190a0a0-0000-7000-8000-00000000000b';

describe('read markers in the chat prefs', () => {
  it('only move forward, in (time, id) order', () => {
    const at = { at: 1_000, id: B };
    expect(advancedReadThrough({}, at)).toEqual(at);
    expect(advancedReadThrough({ readThrough: at }, at)).toBeNull();
    expect(advancedReadThrough({ readThrough: at }, { at: 999, id: B })).toBeNull();
    expect(advancedReadThrough({ readThrough: at }, { at: 1_000, id: A })).toBeNull();
    expect(advancedReadThrough({ readThrough: { at: 1_000, id: A } }, at)).toEqual(at);
    expect(advancedReadThrough({ readThrough: at }, { at: 1_001, id: A })).toEqual({ at: 1_001, id: A });
  });

  it('cover the messages at or before them', () => {
    const pref = { readThrough: { at: 1_000, id: B } };
    expect(readOnAnotherDevice(pref, 999, B)).toBe(true);
    expect(readOnAnotherDevice(pref, 1_000, A)).toBe(true);
    expect(readOnAnotherDevice(pref, 1_000, B)).toBe(true);
    expect(readOnAnotherDevice(pref, 1_000, 'c' + B.slice(1))).toBe(false);
    expect(readOnAnotherDevice(pref, 1_001, A)).toBe(false);
    expect(readOnAnotherDevice({}, 0, A)).toBe(false);
  });

  it('live beside the other prefs of the chat', () => {
    const settings = withChatPref(withChatPref({}, A, { muted: true }), A, { readThrough: { at: 5, id: B } });
    expect(chatPrefOf(settings, A)).toEqual({ muted: true, readThrough: { at: 5, id: B } });
    expect(chatPrefOf(withChatPref(settings, A, { muted: false }), A)).toEqual({ readThrough: { at: 5, id: B } });
  });
});
