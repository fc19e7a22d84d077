/**
 * Port: the queue between the webhook receiver (which answers within the provider's timeout) and the
 * processor (which creates the job and starts its run). Adapters: an asynchronous Lambda invocation in
 * AWS (adapters/aws/lambda-delivery-queue.ts), an in-process queue locally
 * (adapters/local/in-process-delivery-queue.ts). Messages carry only the delivery's key: the delivery
 * record holds the rest.
 */
export interface DeliveryMessage {
  webhookId: string;
  deliveryKey: string;
}

export interface DeliveryQueue {
  send(message: DeliveryMessage): Promise<void>;
}
