import { liveHandler } from '../../shared/subscriptions/handlers';

export const handler = liveHandler('message');
