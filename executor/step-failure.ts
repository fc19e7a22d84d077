/** Ends the step as failed with this (secret-free) message. */
export class StepFailure extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}
