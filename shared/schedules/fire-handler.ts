/**
 * The fire function's Lambda entry point: EventBridge Scheduler invokes it at each fire time with
 * `{scheduleId, fireTime}`. Throwing makes EventBridge retry (for up to an hour, then the dead-letter
 * queue); a fire is idempotent on (schedule, fire time), so a retry or a duplicate is harmless.
 */
import { boot } from '../env';
import { logger } from '../logger';
import { observed } from '../observability/lambda';
import type { FireEvent } from '../ports/schedule-trigger';
import { fireSchedule } from './fire';

const isFireEvent = (event: unknown): event is FireEvent =>
  typeof (event as FireEvent)?.scheduleId === 'string' && typeof (event as FireEvent)?.fireTime === 'string' && !Number.isNaN(Date.parse((event as FireEvent).fireTime));

export function scheduleFireHandler() {
  boot('scheduler');
  return observed(async (event: unknown): Promise<void> => {
    if (!isFireEvent(event)) {
      // Retrying cannot fix an event that is not ours: drop it, loudly.
      logger.error('dropping an unreadable schedule fire event', { type: typeof event });
      return;
    }
    try {
      const result = await fireSchedule({ scheduleId: event.scheduleId, fireTime: event.fireTime });
      logger.info('schedule fired', { ...event, ...result });
    } catch (error) {
      logger.warn('schedule fire will be retried', { ...event, error });
      throw error;
    }
  });
}
