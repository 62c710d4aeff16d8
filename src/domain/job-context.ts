/** What a job handler gets besides its job, from whichever queue runs it. */
export interface JobContext {
  /** Aborted when this worker lost the job's lease (another worker may run it now) or stops: end at the next safe point. */
  signal: AbortSignal;
  workerId: string;
  /** Whether this worker still holds the job's lease (and renews it): ask before an effect that another holder may be making. */
  holdsLease(): Promise<boolean>;
}
