import type { ApiClient } from '../../common/contract';
import type { ChatKey } from '../../common/crypto';
import type { PhoneSession } from '../../mobile-pairing/src/core/account';
import { chatKeyFor, sendText, startChat } from '../../mobile-pairing/src/core/chats';

/**
 * The demo account's chats: a handful of conversations with a friend, written through the real HTTP API
 * with real keys (the server only ever sees envelopes). The friend opens each chat's sealed key once, as
 * the friend's phone would, and answers every other line.
 */
const CONVERSATIONS: ReadonlyArray<{ title: string; lines: readonly string[] }> = [
  {
    title: 'Weekend hike',
    lines: [
      'Are we still on for Saturday?',
      'Yes! Meet at the trailhead at 8?',
      'Perfect. I will bring the thermos.',
      'Weather says clear skies all day',
      'Do not forget the sunscreen this time',
      'Ha. Noted.',
    ],
  },
  {
    title: 'Flat hunting',
    lines: [
      'Found a two-bed near the park',
      'How much?',
      'Within budget, viewing Thursday 6pm',
      'I can make it after work',
      'Bring the list of questions for the agent',
    ],
  },
  {
    title: 'Book club — March',
    lines: [
      'Finished chapter 12 last night',
      'No spoilers please!',
      'The twist in chapter 9 though...',
      'I said no spoilers',
      'Meeting at the café on the corner?',
      'Works for me',
    ],
  },
  {
    title: 'Mum’s birthday',
    lines: [
      'Cake or dinner out?',
      'Both?',
      'I will book the Italian place for 7',
      'Card is on the hall table, sign it',
    ],
  },
  {
    title: 'Car share to the office',
    lines: ['Picking you up at 8:15', 'Running 5 minutes late, sorry', 'No worries, coffee is on you'],
  },
  {
    title: 'Holiday in Lisbon',
    lines: [
      'Flights are cheaper on Tuesday',
      'Let us book them tonight',
      'I found a flat in Alfama with a terrace',
      'Tram 28 goes right past it',
      'Booked!',
      'Pastéis de nata every morning',
    ],
  },
  {
    title: 'Garden plans',
    lines: ['Tomatoes by the fence this year?', 'And basil in the window box', 'The seed order arrived'],
  },
  {
    title: 'Band rehearsal',
    lines: [
      'Room booked Wednesday 7–10',
      'Can we run the new song twice?',
      'Bring the spare cable, mine died',
      'Setlist attached in my head',
    ],
  },
  { title: 'Running club', lines: ['5k Thursday, 6:30am', 'That is early', 'Sunrise run, it will be worth it'] },
  { title: 'Dinner on Friday', lines: ['Tacos or curry?', 'Curry', 'I will get the naan'] },
  {
    title: 'Job interview prep',
    lines: [
      'They asked about system design last time',
      'Practise the whiteboard bit with me?',
      'Tomorrow lunchtime?',
      'Deal',
    ],
  },
  { title: 'Board games night', lines: ['Who has Catan?', 'I do, and the expansion', 'Snacks are on me'] },
  { title: 'Plumber quote', lines: ['The quote came in at 240', 'Seems fair for the boiler', 'Booking for Monday'] },
  { title: 'Photography walk', lines: ['Golden hour is at 7:40', 'Meet by the old bridge', 'Bring the 50mm'] },
  {
    title: 'Project Orion',
    lines: ['Release notes are in the doc', 'Demo is Thursday at 3', 'I will record the walkthrough', 'Ship it'],
  },
];

/** How many times each conversation's lines are replayed, so some chats have a longer history. */
const ROUNDS = [6, 3, 4, 2, 2, 5, 1, 2, 1, 1, 2, 1, 1, 1, 3];

export interface SampleChat {
  readonly chatId: string;
  readonly title: string;
  readonly key: ChatKey;
  readonly messages: number;
}

export const LAST_OPENED_TITLE = 'Holiday in Lisbon';

export async function createSampleChats(
  owner: { session: PhoneSession; api: ApiClient },
  friend: { session: PhoneSession; api: ApiClient },
): Promise<SampleChat[]> {
  const chats: SampleChat[] = [];
  for (const [index, conversation] of CONVERSATIONS.entries()) {
    const { chat, chatKey } = await startChat(owner.api, owner.session, {
      title: conversation.title,
      memberUsernames: [friend.session.username],
    });
    const friendKey = await chatKeyFor(
      friend.api,
      friend.session,
      await friend.api.call('getChat', { params: { chatId: chat.chatId } }),
    );
    let count = 0;
    for (let round = 0; round < (ROUNDS[index] ?? 1); round++) {
      for (const [i, line] of conversation.lines.entries()) {
        const text = round === 0 ? line : `${line} (${round + 1})`;
        if (i % 2 === 0) await sendText(owner.api, owner.session, chat.chatId, chatKey, text, 'Alex');
        else await sendText(friend.api, friend.session, chat.chatId, friendKey, text, 'Sam');
        count++;
      }
    }
    chats.push({ chatId: chat.chatId, title: conversation.title, key: chatKey, messages: count });
  }
  const lastOpened = chats.find((c) => c.title === LAST_OPENED_TITLE)!;
  await owner.api.call('updateMyChatState', { params: { chatId: lastOpened.chatId }, body: { opened: true } });
  return chats;
}
