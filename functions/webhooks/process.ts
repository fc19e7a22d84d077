/** The webhook processor: creates the job of one accepted delivery and starts its run. */
import { deliveryProcessorHandler } from '../../shared/webhooks/processor-handler';

export const handler = deliveryProcessorHandler();
