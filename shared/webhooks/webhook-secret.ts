/** Webhook signing secrets: made by the server, shown only when made, sealed at rest by the secret box. */
import { randomBytes } from 'node:crypto';

/** A new webhook secret: 32 random bytes, base64url (what the VCS provider is configured with). */
export const newWebhookSecret = (): string => randomBytes(32).toString('base64url');
