import express, { type Express } from 'express';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { healthHandler } from './http/health';
import { metricsAuth } from './http/metrics-auth';
import { phoneAppRouter } from './http/phone-app';
import { requestLog } from './http/request-log';
import { accountsRouter } from './modules/accounts/accounts.routes';
import { attachmentsRouter } from './modules/attachments/attachments.routes';
import { chatsRouter } from './modules/chats/chats.routes';
import { devicesRouter } from './modules/devices/devices.routes';
import { draftsRouter } from './modules/drafts/drafts.routes';
import { messagesRouter } from './modules/messages/messages.routes';
import { pairingRouter } from './modules/pairing/pairing.routes';
import { settingsRouter } from './modules/settings/settings.routes';
import { contactsRouter } from './modules/contacts/contacts.routes';
import { syncRouter } from './modules/sync/sync.routes';
import { usersRouter } from './modules/users/users.routes';
import type { ServerDeps } from './server-deps';

/** The HTTP app: each domain registers its routes from the shared contract; nothing here knows a schema. */
export function createApp(deps: ServerDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxyHops);
  app.use(requestLog(deps.logger, deps.metrics));

  app.get(
    '/healthz',
    healthHandler({ db: deps.db, fanout: deps.fanout, databaseUrl: deps.config.databaseUrl, blobs: deps.blobs }),
  );
  app.get('/metrics', metricsAuth(deps.config.metricsToken), async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.use(express.json({ limit: deps.config.maxBodyBytes }));
  app.use(accountsRouter(deps));
  app.use(devicesRouter(deps));
  app.use(usersRouter(deps));
  app.use(chatsRouter(deps));
  app.use(messagesRouter(deps));
  app.use(draftsRouter(deps));
  app.use(pairingRouter(deps));
  app.use(settingsRouter(deps));
  app.use(contactsRouter(deps));
  app.use(syncRouter(deps));
  app.use(attachmentsRouter(deps, deps.blobs));

  app.use('/phone', phoneAppRouter());
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
