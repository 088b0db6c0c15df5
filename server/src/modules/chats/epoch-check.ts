import type { BodyOf, api } from '../../../../common/contract';
import { decodeSigningPublicKey } from '../../../../common/crypto';
import {
  decodeStatement,
  type EpochStatement,
  epochSignatureValid,
  expectedMembers,
  statementHash,
} from '../../../../common/trust/chat-epoch';
import type { Db, Tx } from '../../db/client';
import { errors } from '../../errors';

type SignedEpochBody = BodyOf<typeof api.changeMembers>['epoch'];

/**
 * The server's own reading of a membership statement before it stores one. Clients don't rely on it (they
 * verify the chain themselves, against pinned keys: docs/GROUPS.md); it keeps the stored state consistent
 * and turns a wrong request into a clear 4xx instead of a chain every client would refuse.
 */
export async function checkEpoch(
  db: Db | Tx,
  actorUserId: string,
  chatId: string,
  epoch: SignedEpochBody,
  expected: { keyVersion: number; previousMembers: readonly string[] | null; previousStatement: string | null },
): Promise<EpochStatement> {
  const statement = decodeStatement(epoch.statement);
  if (!statement) throw errors.validation('body.epoch.statement: not a canonical membership statement');
  if (statement.chatId !== chatId) throw errors.validation('body.epoch.statement: made for another chat');
  if (statement.actorUserId !== actorUserId)
    throw errors.validation('body.epoch.statement: must be made by the signed-in user');
  if (statement.keyVersion !== expected.keyVersion)
    throw errors.staleVersion(
      `the chat is at key version ${expected.keyVersion - 1}: a change must make version ${expected.keyVersion}`,
    );
  if (!statement.members.includes(actorUserId))
    throw errors.validation('body.epoch.statement: the acting member must stay in (leave instead)');
  if (expected.previousMembers === null) {
    if (statement.action !== 'create') throw errors.validation('body.epoch.statement: a new chat is "create"');
  } else {
    for (const subject of statement.subjects) {
      const isMember = expected.previousMembers.includes(subject);
      if (statement.action === 'add' && isMember) throw errors.conflict(`user ${subject} is a member already`);
      if ((statement.action === 'remove' || statement.action === 'rotate') && !isMember)
        throw errors.validation(`user ${subject} is not a member of this chat`);
    }
    const members = expectedMembers(expected.previousMembers, statement.action, statement.subjects);
    if (!members || members.join() !== [...statement.members].sort().join())
      throw errors.validation('body.epoch.statement: the members do not follow from the change');
    const previous = expected.previousStatement ? statementHash(expected.previousStatement) : null;
    if (statement.previous !== previous)
      throw errors.validation('body.epoch.statement: "previous" is not the hash of the current statement');
  }
  const actor = await db.user.findUnique({ where: { id: actorUserId }, select: { signingPublicKey: true } });
  if (!actor?.signingPublicKey)
    throw errors.validation('membership changes are signed: upload a signing key first (open the phone app)');
  if (!epochSignatureValid(epoch, decodeSigningPublicKey(actor.signingPublicKey)))
    throw errors.validation('body.epoch.signature: does not check with your signing key');
  return statement;
}
