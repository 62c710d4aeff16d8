/** How long a worker that vanished without leaving (killed) stays in the presence table before a heartbeat of another one deletes it. */
export const PRESENCE_FORGET_MS = 24 * 3_600_000;
