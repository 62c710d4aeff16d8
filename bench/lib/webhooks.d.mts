/** The code_scanning_alert `created` template the deliveries are made from. */
export function alertTemplate(): unknown;
/** Sends `count` signed alerts; resolves with the status counts. */
export function sendAlerts(options: { url: string; secret: string; template: unknown; installations: number[]; count: number; firstNumber?: number; concurrency?: number; deadline?: number }): Promise<{ sent: number; accepted: number; statuses: Record<string, number> }>;
/** The body of alert `number` in the first repository of installation `installationId`. */
export function alertBody(template: unknown, installationId: number, number: number, k?: number): string;
/** A keep-alive client for one webhook endpoint: `send(body, id?)` never rejects. */
export function webhookClient(options: { url: string; secret: string; concurrency?: number; event?: string; timeoutMs?: number }): {
  send(body: string, id?: string): Promise<{ status: number; ms: number; error?: string }>;
  close(): void;
};
