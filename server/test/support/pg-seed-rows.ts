/**
 * Rows written as an older schema had them, straight into PostgreSQL (migration tests): one user with a
 * phone, one chat of theirs and one read message in it (`u1`, `d1`, `c1`, `m1`).
 */
export async function insertOneReadMessage(db: { query(sql: string): Promise<unknown> }): Promise<void> {
  await db.query(
    `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey")
       VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec')`,
  );
  await db.query(
    `INSERT INTO "Device" (id, "userId", name, platform, kind) VALUES ('d1', 'u1', 'phone', 'ios', 'phone')`,
  );
  await db.query(`INSERT INTO "Chat" (id, "createdByUserId", "encryptedMeta") VALUES ('c1', 'u1', 'meta')`);
  await db.query(
    `INSERT INTO "Message" (id, "chatId", "senderUserId", "senderDeviceId", "clientKey", ciphertext, size, status)
       VALUES ('m1', 'c1', 'u1', 'd1', 'k1', 'v1.body', 7, 'read')`,
  );
}
