/** The Approve, Reject and Cancel run buttons of our run check runs, and their identifiers, shared by the check-run reporter and the webhook handlers. */
import type { CheckAction } from "../domain/ports.js";

/** The identifiers of this app's check-run buttons (GitHub allows 20 characters). */
export const BUTTON = { approve: "approve", reject: "reject", cancel: "cancel" } as const;

/** Approve / Reject / Cancel: the buttons of a run waiting for approval. */
export function approvalButtons(): CheckAction[] {
  return [
    { label: "Approve", identifier: BUTTON.approve, description: "Approve the pending approval step" },
    { label: "Reject", identifier: BUTTON.reject, description: "Reject the pending approval step" },
    cancelButton(),
  ];
}

/** The button that cancels a run at its next step boundary. */
export function cancelButton(): CheckAction {
  return { label: "Cancel run", identifier: BUTTON.cancel, description: "Stop the run at the next step" };
}
