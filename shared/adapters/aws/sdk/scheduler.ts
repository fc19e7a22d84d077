/** The EventBridge Scheduler commands the schedule trigger sends (loaded on first use; why a module of its own: ./s3.ts). */
export { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
export type { GetScheduleCommandOutput } from '@aws-sdk/client-scheduler';
