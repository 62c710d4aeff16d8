/** The code_scanning_alert `created` template the deliveries are made from. */
export function alertTemplate(): unknown;
/** Sends `count` signed alerts; resolves with the status counts. */
export function sendAlerts(options: { url: string; secret: string; template: unknown; installations: number[]; count: number; firstNumber?: number; concurrency?: number; deadline?: number }): Promise<{ sent: number; accepted: number; statuses: Record<string, number> }>;
